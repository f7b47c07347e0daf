"""An agent's messages, response format and parse, independent of which agent it is."""

from __future__ import annotations

import orjson
import pytest
from pydantic import BaseModel

from airouter.gateway.agents import AGENTS, ROUTING_FIELDS, Agent, AgentInput, make_agent
from airouter.gateway.agents.fields import AgentOutput
from tests.gateway.agents.samples import VALID, request_for, schema_of

ALL = pytest.mark.parametrize("agent", AGENTS.values(), ids=AGENTS.keys())


@ALL
def test_messages_are_the_system_prompt_then_the_task_as_json(agent: Agent) -> None:
    system, user = agent.messages(request_for(agent))
    assert system == {"role": "system", "content": agent.system_prompt}
    assert user["role"] == "user"
    task = {k: v for k, v in VALID[agent.name].items() if k not in ROUTING_FIELDS}
    assert orjson.loads(user["content"]) == task


@ALL
def test_routing_fields_never_reach_the_prompt(agent: Agent) -> None:
    request = request_for(agent, client_tier="vip", plan="PLAN-MARKER", language="fr")
    text = " ".join(m["content"] for m in agent.messages(request))
    assert "PLAN-MARKER" not in text
    assert not ROUTING_FIELDS & orjson.loads(agent.messages(request)[1]["content"]).keys()


@ALL
def test_the_system_prompt_states_the_answer_schema(agent: Agent) -> None:
    assert orjson.dumps(schema_of(agent)).decode() in agent.system_prompt


@ALL
def test_the_response_format_asks_for_the_strict_schema(agent: Agent) -> None:
    fmt = agent.response_format()
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["name"] == f"{agent.name}_answer"
    assert fmt["json_schema"]["strict"] is True


@ALL
def test_each_response_format_is_a_fresh_copy(agent: Agent) -> None:
    first = agent.response_format()
    first["json_schema"]["schema"]["properties"].clear()
    assert agent.response_format()["json_schema"]["schema"]["properties"]


def test_a_request_for_another_agent_is_a_programming_error() -> None:
    sales = request_for(AGENTS["sales"])
    with pytest.raises(TypeError, match="messaging agent takes MessagingInput"):
        AGENTS["messaging"].messages(sales)


class EchoInput(AgentInput):
    text: str


class EchoOutput(AgentOutput):
    text: str


def test_make_agent_builds_a_working_agent_from_models() -> None:
    agent = make_agent("messaging", "chat", "  Echo the text.  ", EchoInput, EchoOutput)
    assert agent.system_prompt.startswith("Echo the text.\n\n")
    messages = agent.messages(EchoInput(creator_id="c", text="hi", plan="p"))
    assert messages[1]["content"] == '{"creator_id":"c","text":"hi"}'
    parsed: BaseModel = agent.parse('{"text": "hi"}', deployment="d")
    assert parsed == EchoOutput(text="hi")
