"""What every provider speaks: one request shape in, one result (or a stream of chunks) out."""

from __future__ import annotations

import math
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
    """A client for one deployment. Errors raised are `airouter.errors.UpstreamError`s.

    A provider that gives up by itself after some seconds without an answer (its
    own total timeout, as `HttpChatProvider` does) may say so with a
    `gives_up_within` attribute; see `own_time_limit`.
    """

    @property
    def deployment(self) -> Deployment: ...

    async def complete(self, request: ChatRequest) -> ChatResult: ...

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamChunk]: ...


def own_time_limit(provider: Provider) -> float | None:
    """The seconds after which `provider` gives up on a call by itself, or None.

    An optional attribute rather than part of `Provider`: a provider without a limit
    of its own (simulated deployments, test doubles) needs to say nothing, and the
    router then bounds each call with the request's deadline alone.
    """
    limit = getattr(provider, "gives_up_within", None)
    if isinstance(limit, bool) or not isinstance(limit, int | float):
        return None
    return limit if 0 < limit < math.inf else None  # 0 or inf: no limit at all
