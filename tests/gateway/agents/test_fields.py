"""Fields every agent request shares: identifiers, routing hints, bounded JSON."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from airouter.gateway.agents import AGENTS, Agent
from airouter.gateway.agents.fields import MAX_JSON_BYTES, json_within
from airouter.routing.languages import iso_639_1
from tests.gateway.agents.samples import request_for

ALL = pytest.mark.parametrize("agent", AGENTS.values(), ids=AGENTS.keys())


@ALL
def test_the_samples_are_valid(agent: Agent) -> None:
    assert isinstance(request_for(agent), agent.input_model)


@ALL
@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"surprise": 1}, id="extra-field"),
        pytest.param({"creator_id": ""}, id="empty-id"),
        pytest.param({"creator_id": "a" * 129}, id="long-id"),
        pytest.param({"creator_id": "a b"}, id="space-in-id"),
        pytest.param({"creator_id": "a\n"}, id="newline-in-id"),
        pytest.param({"creator_id": "créateur"}, id="non-ascii-id"),
        pytest.param({"creator_id": 42}, id="numeric-id"),
        pytest.param({"client_tier": "gold"}, id="unknown-tier"),
        pytest.param({"language": "fra"}, id="three-letter-language"),
        pytest.param({"language": "f1"}, id="digit-language"),
        pytest.param({"plan": ""}, id="empty-plan"),
        pytest.param({"plan": "p" * 65}, id="long-plan"),
    ],
)
def test_bad_common_fields_are_rejected(agent: Agent, changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        request_for(agent, **changes)


@ALL
def test_the_common_fields_are_optional_and_the_language_is_normalized(agent: Agent) -> None:
    request = request_for(agent, client_tier=None, plan=None, language=" FR ")
    assert request.language == "fr"
    assert request.client_tier is None


@ALL
def test_requests_are_immutable(agent: Agent) -> None:
    request = request_for(agent)
    with pytest.raises(ValidationError):
        request.creator_id = "other"


@pytest.mark.parametrize(
    ("value", "expected"), [(None, None), ("en", "en"), ("PT", "pt"), (" de\t", "de")]
)
def test_language_hints_are_two_letter_codes(value: str | None, expected: str | None) -> None:
    assert iso_639_1(value) == expected


@pytest.mark.parametrize("value", ["", "eng", "e", "é1", "zh-CN", "日本", "zz", "xx"])
def test_anything_else_is_not_a_language_hint(value: str) -> None:
    with pytest.raises(ValueError, match="ISO 639-1"):
        iso_639_1(value)


@pytest.mark.parametrize(
    ("value", "fits"),
    [
        ({"a": [1, 2.5, None, True, "x"]}, True),
        ("x" * (MAX_JSON_BYTES - 2), True),
        ("x" * (MAX_JSON_BYTES - 1), False),
        ({"big": 2**70}, False),
    ],
)
def test_json_values_are_bounded_in_size(value: Any, fits: bool) -> None:
    if fits:
        assert json_within(value) is value
    else:
        with pytest.raises(ValueError, match="JSON"):
            json_within(value)
