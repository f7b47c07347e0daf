"""What an agent is: instructions, a typed input, a JSON-schema answer, and how to read it.

An `Agent` is plain data plus three pure methods; the gateway does the I/O. Build one
with `make_agent`, which computes the response format once so that every request
reuses it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import orjson
from pydantic import BaseModel

from airouter.config.model import TaskType
from airouter.gateway.agents.fields import ROUTING_FIELDS, AgentInput, AgentOutput
from airouter.gateway.agents.parsing import parse_output
from airouter.gateway.agents.schema import strict_schema

AgentName = Literal["messaging", "analytics", "sales", "compliance"]

_ANSWER_RULE = (
    "The user message is a JSON object describing the task. Answer with exactly one JSON "
    "object and nothing else: no Markdown, no prose. It must match this JSON schema:"
)


@dataclass(frozen=True)
class Agent:
    """One of the gateway's AI features. Use `make_agent` to build one."""

    name: AgentName
    task_type: TaskType
    input_model: type[AgentInput]
    output_model: type[AgentOutput]
    system_prompt: str
    _format_json: bytes = field(repr=False, compare=False)

    def messages(self, request: BaseModel) -> list[dict[str, str]]:
        """The chat messages for `request`: instructions, then the task as JSON."""
        if not isinstance(request, self.input_model):
            expected, got = self.input_model.__name__, type(request).__name__
            raise TypeError(f"the {self.name} agent takes {expected}, not {got}")
        return [
            {"role": "system", "content": self.system_prompt},
            {"role": "user", "content": task_json(request)},
        ]

    def response_format(self) -> dict[str, Any]:
        """The `response_format` asking for this agent's schema (a fresh copy each call)."""
        fmt: dict[str, Any] = orjson.loads(self._format_json)
        return fmt

    def parse(self, text: str, *, deployment: str) -> AgentOutput:
        """The model's answer as the output model, or AgentOutputInvalid (fail closed)."""
        return parse_output(self.output_model, text, agent=self.name, deployment=deployment)


def make_agent(
    name: AgentName,
    task_type: TaskType,
    instructions: str,
    input_model: type[AgentInput],
    output_model: type[AgentOutput],
) -> Agent:
    """An agent whose system prompt and response format are computed here, once."""
    schema = strict_schema(output_model)
    response_format = {
        "type": "json_schema",
        "json_schema": {"name": f"{name}_answer", "schema": schema, "strict": True},
    }
    prompt = f"{instructions.strip()}\n\n{_ANSWER_RULE}\n{orjson.dumps(schema).decode()}"
    return Agent(name, task_type, input_model, output_model, prompt, orjson.dumps(response_format))


def task_json(request: AgentInput) -> str:
    """The task fields of `request` as compact JSON; routing fields and unset options left out."""
    fields = request.model_dump(mode="json", exclude=set(ROUTING_FIELDS), exclude_none=True)
    return orjson.dumps(fields).decode()
