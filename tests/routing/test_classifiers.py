"""The optional LLM classifier: used when it answers, the local detector when it cannot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from structlog.testing import capture_logs

from airouter.config.model import BreakerSettings, Deployment, RetrySettings
from airouter.detect import Detector
from airouter.errors import UpstreamRateLimited
from airouter.providers.base import ChatRequest, ChatResult, StreamChunk, Usage
from airouter.router.caller import ResilientCaller
from airouter.routing.classifiers import LlmClassifier, LocalClassifier

MESSAGES = [
    {"role": "system", "content": "You help creators."},
    {"role": "user", "content": "Écris un poème sur la mer pour mes fans"},
]
DEPLOYMENT = Deployment(name="phi", provider="simulated", model="Phi-4-mini")
LOCAL = LocalClassifier(Detector())


class Scripted:
    """A classifier model that answers `reply`, raises it, or hangs."""

    def __init__(self, reply: str | Exception | None) -> None:
        self.reply = reply
        self.requests: list[ChatRequest] = []

    @property
    def deployment(self) -> Deployment:
        return DEPLOYMENT

    async def complete(self, request: ChatRequest) -> ChatResult:
        self.requests.append(request)
        if self.reply is None:
            await asyncio.Event().wait()  # never answers
        if isinstance(self.reply, Exception):
            raise self.reply
        return ChatResult(str(self.reply), "phi", Usage(1, 1))

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamChunk]:
        raise NotImplementedError


def llm(
    reply: str | Exception | None, breaker: BreakerSettings | None = None
) -> tuple[LlmClassifier, Scripted]:
    model = Scripted(reply)
    caller = ResilientCaller.from_settings(
        RetrySettings(max_retries=0), breaker or BreakerSettings(), 0.05
    )
    return LlmClassifier(model, LOCAL, caller, ("en", "fr")), model


async def test_a_valid_llm_verdict_is_used_and_named_as_the_evidence() -> None:
    classifier, model = llm('{"type": "math", "complexity": "high", "language": "de"}')
    detection = await classifier.classify(MESSAGES)
    assert (detection.type, detection.complexity, detection.language) == ("math", "high", "de")
    assert detection.reasons == ("llm classifier phi",)
    sent = model.requests[0]
    assert sent.messages[-1]["content"] == MESSAGES[-1]["content"]
    assert sent.temperature == 0.0
    assert sent.response_format is not None
    assert sent.response_format["json_schema"]["schema"]["properties"]["language"]["enum"] == [
        "en",
        "fr",
        "und",
    ]


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        (None, "upstream_timeout"),
        (
            UpstreamRateLimited("busy", deployment="phi", upstream_status=429),
            "upstream_rate_limited",
        ),
        ("I think it's a poem!", "upstream_bad_response"),
        ('{"type": "poetry", "complexity": "low", "language": "fr"}', "upstream_bad_response"),
        ('{"type": "chat", "complexity": "low", "language": "French"}', "upstream_bad_response"),
    ],
)
async def test_any_failure_falls_back_to_the_local_detector_loudly(reply: Any, why: str) -> None:
    classifier, _ = llm(reply)
    with capture_logs() as logs:
        detection = await classifier.classify(MESSAGES)
    local = await LOCAL.classify(MESSAGES)
    assert (detection.type, detection.language) == (local.type, local.language)
    assert (detection.type, detection.language) == ("creative", "fr")  # not a silent "chat"
    assert detection.reasons[0] == f"llm classifier phi failed ({why}); local detector used"
    assert [e["reason"] for e in logs if e["event"] == "classifier_fallback"] == [why]


async def test_a_dead_classifier_trips_its_breaker_and_stops_being_called() -> None:
    down = UpstreamRateLimited("busy", deployment="phi", upstream_status=429)
    classifier, model = llm(down, BreakerSettings(minimum_calls=3, consecutive_failures=3))
    for _ in range(3):
        await classifier.classify(MESSAGES)
    detection = await classifier.classify(MESSAGES)
    assert len(model.requests) == 3
    assert detection.reasons[0].startswith("llm classifier phi failed (circuit_open)")
