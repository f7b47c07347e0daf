"""Request and response bodies of the router's HTTP API (validated where input enters)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from airouter.config.model import Complexity, TaskType, Tier
from airouter.routing.languages import iso_639_1
from airouter.routing.signals import Hints

# OpenAI parameters passed through to the upstream untouched.
PASSTHROUGH = frozenset(
    {
        "frequency_penalty",
        "logit_bias",
        "logprobs",
        "n",
        "parallel_tool_calls",
        "presence_penalty",
        "seed",
        "stop",
        "tool_choice",
        "tools",
        "top_logprobs",
        "top_p",
        "user",
    }
)


class HintFields(BaseModel):
    type_hint: TaskType | None = None
    complexity_hint: Complexity | None = None
    language_hint: str | None = None
    client_tier: Tier | None = None

    @field_validator("language_hint")
    @classmethod
    def _check_language(cls, value: str | None) -> str | None:
        return iso_639_1(value)

    def hints(self) -> Hints:
        return Hints(self.type_hint, self.complexity_hint, self.language_hint, self.client_tier)


class RouteBody(HintFields):
    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(min_length=1, max_length=200_000)
    system: str | None = Field(None, max_length=200_000)
    max_tokens: int | None = Field(None, ge=1, le=128_000)
    temperature: float | None = Field(None, ge=0, le=2)

    @field_validator("prompt")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value

    def messages(self) -> list[dict[str, Any]]:
        system = [{"role": "system", "content": self.system}] if self.system else []
        return [*system, {"role": "user", "content": self.prompt}]


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[dict[str, Any]] | None = None


class ChatCompletionBody(HintFields):
    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1, max_length=200)
    messages: list[ChatMessage] = Field(min_length=1, max_length=2_000)
    stream: bool = False
    stream_options: dict[str, Any] | None = None
    max_tokens: int | None = Field(None, ge=1, le=128_000)
    max_completion_tokens: int | None = Field(None, ge=1, le=128_000)
    temperature: float | None = Field(None, ge=0, le=2)
    response_format: dict[str, Any] | None = None

    @field_validator("messages")
    @classmethod
    def _has_user_text(cls, value: list[ChatMessage]) -> list[ChatMessage]:
        if not any(m.role == "user" and m.content for m in value):
            raise ValueError("needs at least one user message with content")
        return value

    def passthrough(self) -> dict[str, Any]:
        extra = self.model_extra or {}
        return {k: v for k, v in extra.items() if k in PASSTHROUGH}

    def include_usage(self) -> bool:
        return bool(self.stream_options and self.stream_options.get("include_usage"))


class RoutingInfo(BaseModel):
    type: TaskType
    complexity: Complexity
    language: str
    tier: Tier
    type_hint_applied: bool
    language_hint_applied: bool
    rule: str
    chain: list[str]
    reason: str
    fallbacks: list[dict[str, Any]]


class UsageInfo(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class RouteAnswer(BaseModel):
    output: str
    model: str
    deployment: str
    region: str
    routing: RoutingInfo
    usage: UsageInfo
    latency_ms: float
    cost_usd: float
    correlation_id: str
