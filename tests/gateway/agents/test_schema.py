"""Agent answer schemas are OpenAI strict-mode shaped: closed objects, everything required."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from pydantic import BaseModel, Field

from airouter.gateway.agents import AGENTS, Agent
from airouter.gateway.agents.schema import strict_schema
from tests.gateway.agents.samples import nodes, schema_of


@pytest.mark.parametrize("agent", AGENTS.values(), ids=AGENTS.keys())
def test_every_object_is_closed_and_requires_all_its_properties(agent: Agent) -> None:
    objects = [node for node in nodes(schema_of(agent)) if "properties" in node]
    assert objects
    for node in objects:
        assert node["additionalProperties"] is False
        assert node["required"] == list(node["properties"])


@pytest.mark.parametrize("agent", AGENTS.values(), ids=AGENTS.keys())
def test_no_keyword_strict_mode_refuses_or_ignores_is_left(agent: Agent) -> None:
    for node in nodes(schema_of(agent)):
        assert "default" not in node and "title" not in node
    jsonschema.Draft202012Validator.check_schema(schema_of(agent))
    assert schema_of(agent)["type"] == "object"


@pytest.mark.parametrize("agent", AGENTS.values(), ids=AGENTS.keys())
def test_optional_fields_are_nullable_rather_than_omittable(agent: Agent) -> None:
    for name, field in agent.output_model.model_fields.items():
        spelled = schema_of(agent)["properties"][name]
        nullable = {"type": "null"} in spelled.get("anyOf", [])
        assert nullable == (not field.is_required()), name


class Titled(BaseModel):
    title: str = Field("x", title="Title")
    nested: dict[str, Any] | None = None


def test_property_names_that_look_like_keywords_are_kept() -> None:
    schema = strict_schema(Titled)
    assert list(schema["properties"]) == ["title", "nested"]
    assert schema["required"] == ["title", "nested"]
    assert schema["properties"]["title"] == {"type": "string"}
