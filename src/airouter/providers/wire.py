"""Parsing the OpenAI chat-completions wire format (full answers and stream chunks)."""

from __future__ import annotations

from typing import Any

import orjson

from airouter.errors import UpstreamBadResponse
from airouter.providers.base import ChatResult, StreamChunk, Usage


def parse_completion(deployment: str, body: bytes) -> ChatResult:
    """A `chat.completion` object → ChatResult; anything else is the upstream's fault."""
    data = _json(deployment, body)
    try:
        choice = data["choices"][0]
        message = choice["message"]
        content = message.get("content") or ""
        model = str(data.get("model") or "")
    except (KeyError, IndexError, TypeError, AttributeError):
        raise UpstreamBadResponse(
            f"{deployment} answered without choices[0].message", deployment=deployment
        ) from None
    if not isinstance(content, str):
        raise UpstreamBadResponse(f"{deployment} answered non-text content", deployment=deployment)
    usage = usage_from(data.get("usage")) or Usage()
    return ChatResult(content, model, usage, str(choice.get("finish_reason") or "stop"))


def parse_chunk(deployment: str, data: bytes) -> StreamChunk | None:
    """One `chat.completion.chunk` (the bytes after `data:`) → StreamChunk, or None if empty."""
    obj = _json(deployment, data)
    usage = usage_from(obj.get("usage"))
    choices = obj.get("choices") or []
    if not isinstance(choices, list):
        raise UpstreamBadResponse(
            f"{deployment} sent a chunk without a choices list", deployment=deployment
        )
    if not choices:
        return StreamChunk(usage=usage) if usage else None
    choice = choices[0] if isinstance(choices[0], dict) else {}
    delta = choice.get("delta") or {}
    text = delta.get("content") if isinstance(delta, dict) else None
    return StreamChunk(
        delta=text if isinstance(text, str) else "",
        finish_reason=choice.get("finish_reason"),
        usage=usage,
    )


def usage_from(raw: object) -> Usage | None:
    if not isinstance(raw, dict):
        return None
    prompt = raw.get("prompt_tokens")
    completion = raw.get("completion_tokens")
    if isinstance(prompt, int) and isinstance(completion, int):
        return Usage(max(prompt, 0), max(completion, 0))  # never a negative cost
    return None


def _json(deployment: str, body: bytes) -> dict[str, Any]:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise UpstreamBadResponse(
            f"{deployment} sent malformed JSON", deployment=deployment
        ) from None
    if not isinstance(data, dict):
        raise UpstreamBadResponse(f"{deployment} sent a non-object body", deployment=deployment)
    return data
