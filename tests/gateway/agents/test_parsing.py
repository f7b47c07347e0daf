"""Reading model answers: fences, reasoning and prose are tolerated; the unreadable fails closed."""

from __future__ import annotations

import time
from typing import Any

import jsonschema
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from airouter.errors import AgentOutputInvalid
from airouter.gateway.agents import AGENTS
from airouter.gateway.agents.compliance import ComplianceOutput
from airouter.gateway.agents.messaging import MessagingOutput
from airouter.gateway.agents.parsing import (
    MAX_ANSWER_CHARS,
    DuplicateKey,
    fenced_blocks,
    first_object,
    strip_reasoning,
)
from tests.gateway.agents.samples import schema_of

MESSAGING = AGENTS["messaging"]
COMPLIANCE = AGENTS["compliance"]
REPLY = '{"response": "Hi love!", "confidence": 0.8, "suggested_upsell": null, "reasoning": null}'
SECRET = "SECRET-MODEL-TEXT-7f3a"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(REPLY, id="plain"),
        pytest.param(f"  \n{REPLY}\n\n", id="whitespace"),
        pytest.param(f"```json\n{REPLY}\n```", id="fenced-json"),
        pytest.param(f"```\n{REPLY}\n```", id="fenced-bare"),
        pytest.param(f"<think>The fan is {{happy}}; be warm.</think>\n{REPLY}", id="think"),
        pytest.param(f"<THINK>a\n<think>nested</think> b</think>{REPLY}", id="think-nested"),
        pytest.param(f"reasoning with no opening tag</think>{REPLY}", id="think-orphan-close"),
        pytest.param(f"Sure! Here is the JSON:\n{REPLY}\nHope that helps.", id="prose"),
        pytest.param(f"[{REPLY}]", id="wrapped-in-an-array"),
        pytest.param(f"Use {{braces}} like this:\n```json\n{REPLY}\n```", id="prose-braces"),
        pytest.param(f'Example {{"response": 1}}\n```json\n{REPLY}\n```', id="fence-preferred"),
        pytest.param(
            '{"response": "Hi love!", "confidence": 0.8}', id="optional-nullables-omitted"
        ),
        pytest.param(
            REPLY.replace("0.8", "1"),
            id="integer-for-number",
        ),
    ],
)
def test_answers_a_model_plausibly_writes_are_read(text: str) -> None:
    parsed = MESSAGING.parse(text, deployment="d")
    assert isinstance(parsed, MessagingOutput)
    assert parsed.response == "Hi love!"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        pytest.param("", "no complete JSON", id="empty"),
        pytest.param("I'd say: Hi love!", "no complete JSON", id="prose-only"),
        pytest.param(REPLY[:-5], "no complete JSON", id="truncated"),
        pytest.param(f"```json\n{REPLY[:-5]}", "no complete JSON", id="truncated-fence"),
        pytest.param(f"<think>{REPLY}", "no complete JSON", id="cut-off-while-thinking"),
        pytest.param(f"<think>{REPLY}</think>", "no complete JSON", id="json-only-in-thought"),
        pytest.param('{"response": "", "confidence": 0.5}', "string_too_short", id="empty-reply"),
        pytest.param('{"response": "x", "confidence": "0.8"}', "float_type", id="string-number"),
        pytest.param('{"response": "x", "confidence": 1.5}', "less_than_equal", id="range"),
        pytest.param('{"response": "x", "confidence": NaN}', "no complete JSON", id="nan"),
        pytest.param('{"response": 3, "confidence": 0.5}', "string_type", id="number-string"),
        pytest.param('{"confidence": 0.5}', "missing", id="missing-required"),
        pytest.param('{"response": "x", "confidence": 0.5, "x": 1}', "extra_forbidden", id="extra"),
        pytest.param('{"response": "x", "response": "y", "confidence": 0.5}', "repeats", id="dup"),
        pytest.param("{" * 64 + REPLY, "no complete JSON", id="too-many-openings"),
    ],
)
def test_unreadable_answers_are_agent_output_invalid(text: str, reason: str) -> None:
    with pytest.raises(AgentOutputInvalid) as caught:
        MESSAGING.parse(text, deployment="d")
    assert reason in caught.value.message


def test_the_error_names_agent_and_deployment_but_never_repeats_the_answer() -> None:
    bad = f'{{"response": "{SECRET}", "confidence": "{SECRET}", "{SECRET}": 1}}'
    with pytest.raises(AgentOutputInvalid) as caught:
        MESSAGING.parse(bad, deployment="llama-70b")
    error = caught.value
    assert SECRET not in str(error) and SECRET not in error.message
    assert "messaging" in error.message
    assert error.deployment == "llama-70b"
    assert error.provider_fault and not error.transient
    assert error.__cause__ is None and error.__suppress_context__


def test_an_answer_past_the_size_limit_is_refused_unread() -> None:
    with pytest.raises(AgentOutputInvalid, match="longer than"):
        MESSAGING.parse(REPLY + " " * MAX_ANSWER_CHARS, deployment="d")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("{" * (MAX_ANSWER_CHARS - 1), id="openings"),
        pytest.param('{"a": "' * (MAX_ANSWER_CHARS // 8), id="unterminated-strings"),
        pytest.param("<think>" * (MAX_ANSWER_CHARS // 8), id="unclosed-thoughts"),
        pytest.param("```{" * (MAX_ANSWER_CHARS // 5), id="fences"),
        pytest.param("[" * (MAX_ANSWER_CHARS - 1), id="deep-nesting"),
        pytest.param('{"a": ' * 20_000, id="deep-object"),
    ],
)
def test_hostile_answers_fail_quickly(text: str) -> None:
    started = time.perf_counter()
    with pytest.raises(AgentOutputInvalid):
        MESSAGING.parse(text, deployment="d")
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no tags", "no tags"),
        ("a<think>b</think>c", "a c"),
        ("a<think>b</think>c<think>d</think>e", "a c e"),
        ("before</think>after", "after"),
        ("a<think>never closed", "a"),
        ("a<Think>b</THINK>c", "a c"),
    ],
)
def test_reasoning_blocks_are_removed(text: str, expected: str) -> None:
    assert strip_reasoning(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("none", []),
        ("```json\n{}\n```", ["json\n{}\n"]),
        ("```a``` x ```b```", ["a", "b"]),
        ("```unclosed", []),
        ("```a``` x ```unclosed", ["a"]),
    ],
)
def test_fenced_blocks_are_the_closed_ones(text: str, expected: list[str]) -> None:
    assert fenced_blocks(text) == expected


def test_a_repeated_key_is_refused_rather_than_guessed() -> None:
    with pytest.raises(DuplicateKey):
        first_object('{"is_compliant": false, "is_compliant": true}')


def test_the_first_complete_object_wins() -> None:
    assert first_object('x {"a": 1} {"b": 2}') == '{"a": 1}'
    assert first_object('{"a": {"b": 1}, "c') == '{"b": 1}'


# --- compliance fails closed -------------------------------------------------------------

VIOLATION = {"type": "off_platform", "severity": "high", "description": "d", "location": None}


def verdict(**changes: Any) -> str:
    base = {"is_compliant": False, "violations": [VIOLATION], "confidence": 0.9}
    return orjson.dumps({**base, **changes}).decode()


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Yes, this content is compliant.", id="prose-yes"),
        pytest.param("is_compliant: true", id="yaml-ish"),
        pytest.param('{"is_compliant": true', id="truncated"),
        pytest.param('{"is_compliant": true}', id="violations-missing"),
        pytest.param(verdict(is_compliant="true", violations=[]), id="string-true"),
        pytest.param(verdict(is_compliant=1, violations=[]), id="one-for-true"),
        pytest.param(verdict(is_compliant=True), id="compliant-with-violations"),
        pytest.param(verdict(is_compliant=None, violations=[]), id="null-verdict"),
        pytest.param(verdict(is_compliant=True, violations=[{}]), id="empty-violation"),
        pytest.param(
            '{"is_compliant": false, "is_compliant": true, "violations": [], "confidence": 1}',
            id="both-verdicts",
        ),
        pytest.param(verdict(violations=[{**VIOLATION, "severity": "extreme"}]), id="severity"),
    ],
)
def test_compliance_never_turns_an_unreadable_answer_into_a_pass(text: str) -> None:
    with pytest.raises(AgentOutputInvalid) as caught:
        COMPLIANCE.parse(text, deployment="d")
    assert caught.value.deployment == "d"


def test_a_contradictory_verdict_is_reported_as_such() -> None:
    with pytest.raises(AgentOutputInvalid, match="contradictory_verdict"):
        COMPLIANCE.parse(verdict(is_compliant=True), deployment="d")


@pytest.mark.parametrize(
    ("text", "compliant"),
    [
        (verdict(is_compliant=True, violations=[]), True),
        (verdict(), False),
        (verdict(violations=[]), False),  # non-compliant without details errs on the safe side
    ],
)
def test_consistent_verdicts_are_read(text: str, compliant: bool) -> None:
    parsed = COMPLIANCE.parse(text, deployment="d")
    assert isinstance(parsed, ComplianceOutput) and parsed.is_compliant is compliant


confidences = st.one_of(st.floats(0, 1), st.floats(), st.integers(-2, 2), st.text(max_size=3))
violations = st.fixed_dictionaries(
    {
        "type": st.text(max_size=10),
        "severity": st.sampled_from(["low", "medium", "high", "critical", "other"]),
        "description": st.text(max_size=10),
        "location": st.none() | st.text(max_size=10),
    }
)
verdicts = st.one_of(st.booleans(), st.booleans(), st.sampled_from([None, "true", 1, 0]))
answers = st.fixed_dictionaries(
    {
        "is_compliant": verdicts,
        "violations": st.lists(violations, max_size=2),
        "confidence": confidences,
    },
    optional={"compliant_alternative": st.none() | st.text(max_size=10), "extra": st.just(1)},
)
noise = st.text(max_size=60)
quiet_noise = st.text(max_size=60).filter(lambda s: not set(s) & set("{<`"))


def assert_fail_closed(text: str) -> ComplianceOutput | None:
    """Compliance parse either refuses `text` or returns a schema-valid, consistent verdict."""
    try:
        parsed = COMPLIANCE.parse(text, deployment="d")
    except AgentOutputInvalid:
        return None
    assert isinstance(parsed, ComplianceOutput)
    jsonschema.validate(parsed.model_dump(mode="json"), schema_of(COMPLIANCE))
    assert not (parsed.is_compliant and parsed.violations)
    return parsed


@given(st.text())
def test_compliance_on_arbitrary_text_is_refused_or_schema_valid(text: str) -> None:
    assert_fail_closed(text)


@given(noise, answers, noise)
def test_compliance_on_json_in_noise_is_refused_or_schema_valid(
    before: str, answer: dict[str, Any], after: str
) -> None:
    raw = orjson.dumps(answer).decode()
    assert_fail_closed(before + raw + after)


@given(quiet_noise, answers, quiet_noise)
def test_a_valid_verdict_in_plain_prose_is_read_exactly(
    before: str, answer: dict[str, Any], after: str
) -> None:
    raw = orjson.dumps(answer).decode()
    # As the model wrote it (orjson writes NaN and infinities as null); an omitted nullable
    # field reads as null.
    sent = {"compliant_alternative": None, **orjson.loads(raw)}
    try:
        jsonschema.validate(sent, schema_of(COMPLIANCE))
        valid = not (sent["is_compliant"] is True and sent["violations"])
    except jsonschema.ValidationError:
        valid = False
    parsed = assert_fail_closed(before + raw + after)
    assert (parsed is not None) == valid
    if parsed is not None:
        assert parsed.model_dump(mode="json") == sent
