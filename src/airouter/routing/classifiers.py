"""Classifiers the router can use when a caller gives no hints.

`LocalClassifier` wraps the local detector (the default: no network, sub-millisecond).
`LlmClassifier` asks a small model deployment (the seed plan's mode), bounded by a
timeout and a breaker of its own, and falls back to the local detector -- loudly,
with the reason in the log and in the routing evidence -- on any failure. It never
silently defaults to "chat".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import orjson
import structlog
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from airouter.config.model import Complexity, TaskType
from airouter.detect import Detection, Detector
from airouter.errors import UpstreamBadResponse, UpstreamError
from airouter.messages import last_user_text
from airouter.providers.base import ChatRequest, Provider
from airouter.router.caller import ResilientCaller

log = structlog.get_logger("airouter.routing")

_INSTRUCTIONS = (
    "Classify the user's message for routing. Answer with one JSON object: "
    '{"type": "chat" | "math" | "coding" | "creative", "complexity": "low" | "high", '
    '"language": ISO 639-1 code of the message, or "und" if unsure}. '
    "creative = stories, poems, captions, slogans, marketing or sales copy; "
    "math = calculations, word problems, statistics; coding = code questions; "
    "chat = everything else. complexity high = multi-step reasoning, proofs, algorithms."
)
_MAX_PROMPT_CHARS = 2000


class _Verdict(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: TaskType
    complexity: Complexity
    language: str = Field(pattern=r"^([a-z]{2}|und)$")


class LocalClassifier:
    def __init__(self, detector: Detector) -> None:
        self.detector = detector

    async def classify(self, messages: Sequence[Mapping[str, Any]]) -> Detection:
        return self.detector.detect_messages(messages)


class LlmClassifier:
    """A model deployment classifies, under `caller`'s deadline (the classifier timeout),
    without retries, behind a breaker of its own: a dead classifier stops costing requests.
    """

    def __init__(
        self,
        provider: Provider,
        fallback: LocalClassifier,
        caller: ResilientCaller,
        languages: Sequence[str],
    ) -> None:
        self._provider = provider
        self._fallback = fallback
        self._caller = caller
        self._format = _response_format(languages)
        self.breaker_name = f"classifier:{provider.deployment.name}"

    async def classify(self, messages: Sequence[Mapping[str, Any]]) -> Detection:
        try:
            verdict = await self._caller.call(
                self.breaker_name,
                partial(self._ask, self._request(messages)),
                deadline=self._caller.deadline_from_now(),
                correlation_id="",
            )
        except UpstreamError as exc:
            return await self._fall_back(messages, exc.code)
        name = self._provider.deployment.name
        return Detection(
            verdict.type, verdict.complexity, verdict.language, (f"llm classifier {name}",)
        )

    async def _ask(self, request: ChatRequest) -> _Verdict:
        result = await self._provider.complete(request)
        try:
            return _Verdict.model_validate(orjson.loads(result.content))
        except (orjson.JSONDecodeError, ValidationError):
            name = self._provider.deployment.name
            raise UpstreamBadResponse(
                f"{name} gave an unreadable verdict", deployment=name
            ) from None

    def _request(self, messages: Sequence[Mapping[str, Any]]) -> ChatRequest:
        prompt = last_user_text(messages)[:_MAX_PROMPT_CHARS]
        return ChatRequest(
            [{"role": "system", "content": _INSTRUCTIONS}, {"role": "user", "content": prompt}],
            max_tokens=60,
            temperature=0.0,
            response_format=self._format,
        )

    async def _fall_back(self, messages: Sequence[Mapping[str, Any]], why: str) -> Detection:
        name = self._provider.deployment.name
        log.warning("classifier_fallback", deployment=name, reason=why)
        local = await self._fallback.classify(messages)
        note = f"llm classifier {name} failed ({why}); local detector used"
        return Detection(local.type, local.complexity, local.language, (note, *local.reasons))


def _enum(values: Sequence[str]) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


def _response_format(languages: Sequence[str]) -> dict[str, Any]:
    schema = {
        "type": "object",
        "properties": {
            "type": _enum(("chat", "math", "coding", "creative")),
            "complexity": _enum(("low", "high")),
            "language": _enum((*languages, "und")),
        },
        "required": ["type", "complexity", "language"],
        "additionalProperties": False,
    }
    return {
        "type": "json_schema",
        "json_schema": {"name": "routing", "schema": schema, "strict": True},
    }
