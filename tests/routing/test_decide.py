"""The default routing table as a table of cases: signals → expected head deployment."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airouter.config import load_routing_config
from airouter.config.model import TASK_TYPES, TIERS
from airouter.routing.decide import Signals, decide
from airouter.routing.signals import Hints, resolve

RULES = load_routing_config(environ={}).rules


@pytest.mark.parametrize(
    ("type_", "complexity", "language", "tier", "deployment"),
    [
        ("math", "high", "en", "standard", "deepseek-r1"),
        ("coding", "high", "en", "vip", "deepseek-r1"),
        ("math", "high", "fr", "standard", "deepseek-r1"),  # rule 1 before French
        ("math", "low", "en", "standard", "llama-3.3-70b"),
        ("chat", "low", "fr", "standard", "mistral-large"),  # the original sent this to Llama
        ("creative", "low", "fr", "vip", "mistral-large"),
        ("chat", "high", "en", "vip", "llama-3.3-70b"),
        ("creative", "low", "en", "standard", "llama-3.3-70b"),
        ("chat", "low", "es", "standard", "llama-3.3-70b"),
        ("coding", "low", "und", "standard", "llama-3.3-70b"),
    ],
)
def test_default_table(
    type_: str, complexity: str, language: str, tier: str, deployment: str
) -> None:
    decision = decide(RULES, Signals(type_, complexity, language, tier))  # type: ignore[arg-type]
    assert decision.chain[0] == deployment


def test_chat_and_french_hints_route_to_mistral_large_even_when_detection_says_english() -> None:
    class English:
        type, complexity, language, reasons = "math", "high", "en", ("detected",)

    resolved = resolve(Hints(type="chat", language="fr"), English())
    assert decide(RULES, resolved.signals).chain[0] == "mistral-large"
    assert resolved.type_hint_applied and resolved.language_hint_applied
    assert "type=chat (hint)" in resolved.reason
    assert "complexity=high (detected)" in resolved.reason


@given(
    type_=st.sampled_from(TASK_TYPES),
    complexity=st.sampled_from(("low", "high")),
    language=st.sampled_from(("en", "fr", "de", "und")),
    tier=st.sampled_from(TIERS),
)
def test_every_signal_combination_has_a_route_and_fallbacks_differ_from_the_head(
    type_: str, complexity: str, language: str, tier: str
) -> None:
    decision = decide(RULES, Signals(type_, complexity, language, tier))  # type: ignore[arg-type]
    assert len(decision.chain) >= 2
    assert len(set(decision.chain)) == len(decision.chain)
