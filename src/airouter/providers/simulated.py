"""A deterministic local model for the embedded default, demos and tests.

The same prompt always gets the same answer; latency (lognormal from the
configured median and p95) and failures (at the configured rate) come from an
injected random source and sleep, so tests control them.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import random
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import orjson

from airouter.config.model import Deployment
from airouter.errors import UpstreamServerError
from airouter.messages import last_user_text, message_text
from airouter.providers.base import ChatRequest, ChatResult, StreamChunk, Usage
from airouter.providers.schema_fill import fill
from airouter.providers.tokens import count_messages, count_text

Sleep = Callable[[float], Awaitable[None]]

_OPENERS = (
    "Here is a clear answer.",
    "Good question — let me walk through it.",
    "Thanks for asking; here is what I would suggest.",
    "Short version first, details after.",
)
_Z95 = 1.6448536269514722  # standard normal quantile at 0.95
_WORDS = re.compile(r"[^\W_]+(?:['\u2019-][^\W_]+)*")  # words, apostrophes and hyphens inside


class SimulatedProvider:
    def __init__(
        self,
        deployment: Deployment,
        rng: random.Random | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._deployment = deployment
        self._rng = rng or random.Random()  # noqa: S311 - simulation, not security
        self._sleep = sleep

    @property
    def deployment(self) -> Deployment:
        return self._deployment

    async def complete(self, request: ChatRequest) -> ChatResult:
        await self._sleep(self._latency_s())
        self._maybe_fail()
        text, finish = self._answer(request)
        usage = Usage(count_messages(request.messages), count_text(text))
        return ChatResult(text, self._deployment.model, usage, finish)

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamChunk]:
        await self._sleep(self._latency_s())
        self._maybe_fail()
        text, finish = self._answer(request)
        per_token = 1 / self._deployment.simulation.tokens_per_second
        words = text.split(" ")
        for i, word in enumerate(words):
            piece = word if i == 0 else " " + word
            await self._sleep(per_token * count_text(piece))
            yield StreamChunk(delta=piece)
        usage = Usage(count_messages(request.messages), count_text(text))
        yield StreamChunk(finish_reason=finish, usage=usage)

    def _latency_s(self) -> float:
        sim = self._deployment.simulation
        if sim.latency_ms_median <= 0:
            return 0.0
        sigma = math.log(max(sim.latency_ms_p95, 1e-9) / sim.latency_ms_median) / _Z95
        return self._rng.lognormvariate(math.log(sim.latency_ms_median), sigma) / 1000

    def _maybe_fail(self) -> None:
        if self._rng.random() < self._deployment.simulation.failure_rate:
            name = self._deployment.name
            raise UpstreamServerError(
                f"{name} (simulated) failed", deployment=name, upstream_status=503
            )

    def _answer(self, request: ChatRequest) -> tuple[str, str]:
        prompt = _last_user_text(request)
        words = _WORDS.findall(_readable(prompt)) or ["hello"]
        schema = _json_schema(request.response_format)
        if schema is not None:
            return orjson.dumps(fill(schema, words)).decode(), "stop"
        if request.response_format and request.response_format.get("type") == "json_object":
            return orjson.dumps({"answer": " ".join(words[:12])}).decode(), "stop"
        digest = hashlib.sha256(prompt.encode("utf-8", "surrogatepass")).digest()
        opener = _OPENERS[digest[0] % len(_OPENERS)]
        text = (
            f"{opener} You wrote about {' '.join(words[:8])}. [{self._deployment.model}, simulated]"
        )
        return _truncate(text, request.max_tokens)


def _readable(prompt: str) -> str:
    """The prose of a prompt: a JSON task (as agents send) contributes its string values."""
    try:
        data = orjson.loads(prompt)
    except orjson.JSONDecodeError:
        return prompt
    return " ".join(_strings(data)) or prompt


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _last_user_text(request: ChatRequest) -> str:
    """What the simulated model answers: the last user turn, else the last message."""
    found = last_user_text(request.messages)
    return found or (message_text(request.messages[-1]) if request.messages else "")


def _json_schema(response_format: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    if not response_format or response_format.get("type") != "json_schema":
        return None
    spec = response_format.get("json_schema")
    schema = spec.get("schema") if isinstance(spec, Mapping) else None
    return schema if isinstance(schema, Mapping) else None


def _truncate(text: str, max_tokens: int | None) -> tuple[str, str]:
    if max_tokens is None or count_text(text) <= max_tokens:
        return text, "stop"
    kept: list[str] = []
    for word in text.split(" "):
        if count_text(" ".join([*kept, word])) > max_tokens:
            break
        kept.append(word)
    return " ".join(kept), "length"
