"""What every provider speaks: one request shape in, one result (or a stream of chunks) out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from airouter.config.model import Deployment

Message = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """An OpenAI-style chat request, already validated at the boundary."""

    messages: Sequence[Message]
    max_tokens: int | None = None
    temperature: float | None = None
    response_format: Mapping[str, Any] | None = None
    # Other OpenAI parameters passed through untouched (top_p, stop, seed, tools, ...).
    extra: Mapping[str, Any] = field(default_factory=dict)
    correlation_id: str = ""


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True, slots=True)
class ChatResult:
    content: str
    model: str
    usage: Usage
    finish_reason: str = "stop"


@dataclass(frozen=True, slots=True)
class StreamChunk:
    """A piece of a streamed answer: text, and on the last chunk the finish reason and usage."""

    delta: str = ""
    finish_reason: str | None = None
    usage: Usage | None = None


class Provider(Protocol):
    """A client for one deployment. Errors raised are `airouter.errors.UpstreamError`s."""

    @property
    def deployment(self) -> Deployment: ...

    async def complete(self, request: ChatRequest) -> ChatResult: ...

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamChunk]: ...
