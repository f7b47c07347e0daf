"""Seed property 2: every request type reaches the right agent, unknown ones are refused."""

from __future__ import annotations

import dataclasses
import random

import jsonschema
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from airouter.config.model import Deployment
from airouter.errors import InvalidRequest
from airouter.gateway.agents import AGENTS, Agent, build_registry, resolve_agent
from airouter.gateway.agents.registry import normalize
from airouter.providers.base import ChatRequest
from airouter.providers.schema_fill import fill
from airouter.providers.simulated import SimulatedProvider
from tests.gateway.agents.samples import request_for, schema_of

# Restated from the issue rather than imported, so a typo in ALIASES fails here.
EXPECTED = {
    "fan_message": "messaging",
    "chat": "messaging",
    "message": "messaging",
    "messaging": "messaging",
    "analyze_performance": "analytics",
    "analytics": "analytics",
    "optimize_sales": "sales",
    "sales": "sales",
    "generate_caption": "sales",
    "compliance_check": "compliance",
    "moderation": "compliance",
    "compliance": "compliance",
}


@st.composite
def spellings(draw: st.DrawFn, alias: str) -> str:
    """`alias` with any letter case, `-` or `_` at each separator, and stray edge spaces."""
    chars = [
        draw(st.sampled_from("_-")) if c == "_" else draw(st.sampled_from([c, c.upper()]))
        for c in alias
    ]
    pad = st.sampled_from(["", " ", "\t"])
    return draw(pad) + "".join(chars) + draw(pad)


@given(st.sampled_from(sorted(EXPECTED)), st.data())
def test_every_alias_in_any_spelling_resolves_to_its_agent(alias: str, data: st.DataObject) -> None:
    spelled = data.draw(spellings(alias))
    assert resolve_agent(spelled) is AGENTS[EXPECTED[alias]]


@given(st.text(max_size=40).filter(lambda s: normalize(s) not in EXPECTED))
def test_any_other_string_is_an_invalid_request_naming_the_known_types(text: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        resolve_agent(text)
    assert all(alias in caught.value.message for alias in EXPECTED)
    assert caught.value.http_status == 400


@pytest.mark.parametrize(
    "request_type",
    ["", "   ", "fan message", "chat_", "moderations", "sale", "fan__message", "compliance-v2"],
)
def test_near_misses_are_unknown(request_type: str) -> None:
    with pytest.raises(InvalidRequest):
        resolve_agent(request_type)


def test_an_unknown_type_is_quoted_briefly_in_the_error() -> None:
    with pytest.raises(InvalidRequest) as caught:
        resolve_agent("x" * 10_000)
    assert "x" * 100 not in caught.value.message


@pytest.mark.parametrize(
    ("name", "task_type"),
    [("messaging", "chat"), ("analytics", "math"), ("sales", "creative"), ("compliance", "chat")],
)
def test_each_agent_carries_its_routing_task_type(name: str, task_type: str) -> None:
    assert AGENTS[name].name == name
    assert AGENTS[name].task_type == task_type


def test_the_registry_holds_exactly_the_four_agents_and_is_read_only() -> None:
    assert sorted(AGENTS) == ["analytics", "compliance", "messaging", "sales"]
    with pytest.raises(TypeError):
        AGENTS["rogue"] = AGENTS["sales"]  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        AGENTS["sales"].task_type = "math"  # type: ignore[misc]


def test_building_the_registry_again_gives_the_same_agents() -> None:
    # Equality alone skips the cached response format: compare what models receive.
    rebuilt = build_registry()
    assert rebuilt == AGENTS
    for name, agent in AGENTS.items():
        assert rebuilt[name].response_format() == agent.response_format()
        assert rebuilt[name].system_prompt == agent.system_prompt


words = st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=9), min_size=1)


@pytest.mark.parametrize("agent", AGENTS.values(), ids=AGENTS.keys())
@given(words=words)
def test_the_simulated_models_fill_of_each_schema_parses_back_unchanged(
    agent: Agent, words: list[str]
) -> None:
    filled = fill(schema_of(agent), words)
    jsonschema.validate(filled, schema_of(agent))
    parsed = agent.parse(orjson.dumps(filled).decode(), deployment="sim")
    assert parsed.model_dump(mode="json") == filled


@pytest.mark.parametrize("agent", AGENTS.values(), ids=AGENTS.keys())
async def test_each_agent_answers_end_to_end_through_the_simulated_provider(agent: Agent) -> None:
    async def no_sleep(_: float) -> None:
        return None

    deployment = Deployment.model_validate({"name": "sim", "provider": "simulated", "model": "S"})
    provider = SimulatedProvider(deployment, rng=random.Random(1), sleep=no_sleep)
    request = ChatRequest(
        agent.messages(request_for(agent)), response_format=agent.response_format()
    )
    answer = await provider.complete(request)
    assert isinstance(agent.parse(answer.content, deployment="sim"), agent.output_model)
