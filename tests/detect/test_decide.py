"""The decision rules as functions of summed evidence."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airouter.detect.decide import (
    DEFAULT_TUNING,
    choose_complexity,
    choose_type,
    context_totals,
    explain,
    totals,
)
from airouter.detect.matcher import Cue
from airouter.detect.model import TASK_TYPES


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ({}, "chat"),
        ({"math": 1.0}, "chat"),  # a tie goes to chat, which has the prior
        ({"math": 1.5}, "math"),
        ({"math": 3.0, "coding": 3.0}, "math"),  # ties between tasks follow TASK_TYPES order
        ({"coding": 3.0, "creative": 2.0}, "coding"),
        ({"creative": 2.0, "chat": 2.0}, "chat"),
    ],
)
def test_choose_type(prompt: dict[str, float], expected: str) -> None:
    assert choose_type(prompt, {}) == expected


def test_context_is_scaled_and_capped() -> None:
    context = context_totals([Cue("coding", 10.0, "a"), Cue("high", 5.0, "b")])
    assert context == {"coding": DEFAULT_TUNING.system_cap}


@given(st.floats(min_value=0, max_value=100))
def test_context_alone_never_beats_the_chat_prior(weight: float) -> None:
    context = context_totals([Cue(kind, weight, "x") for kind in ("math", "coding", "creative")])
    assert choose_type({}, context) == "chat"


@given(st.dictionaries(st.sampled_from(TASK_TYPES), st.floats(0, 50)))
def test_the_chosen_type_has_the_most_evidence(prompt: dict[str, float]) -> None:
    chosen = choose_type(prompt, {})
    score = {kind: prompt.get(kind, 0.0) for kind in TASK_TYPES}
    score["chat"] += DEFAULT_TUNING.chat_prior
    assert score[chosen] == max(score.values())


@pytest.mark.parametrize(
    ("summed", "task", "expected"),
    [
        ({}, "math", "low"),
        ({"high": 2.0}, "chat", "high"),
        ({"high": 1.0, "ask": 2.0}, "math", "high"),
        ({"high": 1.0, "ask": 2.0}, "chat", "low"),  # several asks make a task complex, not a chat
        ({"high": 1.0, "parts": 3.0}, "coding", "high"),
        ({"high": 1.0, "parts": 3.0}, "creative", "low"),
        ({"high": 1.0, "parts": 4.0}, "creative", "high"),
    ],
)
def test_choose_complexity(summed: dict[str, float], task: str, expected: str) -> None:
    assert choose_complexity(summed, task) == expected  # type: ignore[arg-type]


def test_totals_sum_per_kind() -> None:
    assert totals([Cue("math", 1.0, "a"), Cue("math", 2.0, "b"), Cue("chat", 1.0, "c")]) == {
        "math": 3.0,
        "chat": 1.0,
    }


def test_explain_lists_the_strongest_cues_first() -> None:
    cues = [Cue("math", 1.0, "weak"), Cue("math", 3.0, "strong"), Cue("high", 2.0, "proof")]
    assert explain(cues, "math", "high") == ("strong", "weak", "complex: proof")
    assert explain([], "chat", "low") == ("no strong cue: chat by default",)
