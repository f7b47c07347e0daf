"""Messaging requests: a fan's message and optional context, bounded and typed."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from airouter.gateway.agents import AGENTS
from airouter.gateway.agents.messaging import MessagingInput
from tests.gateway.agents.samples import VALID, request_for

AGENT = AGENTS["messaging"]
CONTEXT: dict[str, Any] = VALID["messaging"]["context"]


def test_a_bare_message_needs_no_context() -> None:
    request = MessagingInput(creator_id="c", fan_id="f", message="hi")
    assert request.context is None
    assert AGENT.messages(request)[1]["content"] == '{"creator_id":"c","fan_id":"f","message":"hi"}'


def test_a_message_of_the_maximum_length_is_accepted() -> None:
    assert len(request_for(AGENT, message="a" * 8_000).message) == 8_000


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"message": ""}, id="empty-message"),
        pytest.param({"message": " \n\t"}, id="blank-message"),
        pytest.param({"message": "a" * 8_001}, id="long-message"),
        pytest.param({"fan_id": "fan 1"}, id="bad-fan-id"),
        pytest.param({"fan_id": None}, id="missing-fan-id"),
        pytest.param({"context": {**CONTEXT, "mood": "x"}}, id="extra-context-field"),
        pytest.param(
            {"context": {"previous_messages": [{"role": "bot", "content": "x"}]}},
            id="bad-message-role",
        ),
        pytest.param(
            {"context": {"previous_messages": [{"role": "fan", "content": "x", "at": 1}]}},
            id="extra-message-field",
        ),
        pytest.param({"context": {"fan_history": ["x"] * 51}}, id="long-history"),
        pytest.param({"context": {"creator_style": "s" * 2_001}}, id="long-style"),
        pytest.param({"context": "be nice"}, id="context-not-an-object"),
    ],
)
def test_bad_messaging_requests_are_rejected(changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        request_for(AGENT, **changes)
