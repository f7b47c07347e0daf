"""Bodies in the OpenAI chat-completions wire format, as the fake upstream answers them.

Pure functions of the request body: the default answer's text (an echo of the last user
message, or JSON when a ``response_format`` asks for it), ``chat.completion`` objects,
``chat.completion.chunk`` SSE events and OpenAI-style error bodies.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

SECRET_DETAIL = "upstream-secret-detail"
"""Planted in every error message so tests can prove airouter never echoes upstream text."""

ERROR_TYPES = {400: "invalid_request_error", 401: "invalid_request_error", 404: "not_found_error"}
ERROR_CODES = {401: "invalid_api_key", 429: "rate_limit_exceeded"}


def error_body(status: int, message: str | None = None) -> dict[str, Any]:
    kind = ERROR_TYPES.get(status, "rate_limit_error" if status == 429 else "server_error")
    text = message or f"The upstream failed with status {status}"
    return {
        "error": {
            "message": f"{text} ({SECRET_DETAIL}: internal trace id {uuid.uuid4().hex[:8]})",
            "type": kind,
            "param": None,
            "code": ERROR_CODES.get(status, str(status)),
        }
    }


def last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):  # content parts: [{"type": "text", "text": ...}]
                return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
            return str(content or "")
    return ""


def sample_for_schema(schema: dict[str, Any], text: str, root: dict[str, Any]) -> Any:
    """A small value valid against common JSON schemas (objects, refs, enums, scalars)."""
    if "$ref" in schema:  # local refs only: "#/$defs/Name"
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return sample_for_schema(target, text, root)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            return sample_for_schema(schema[key][0], text, root)
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: sample_for_schema(sub, text, root) for name, sub in props.items()}
    if kind == "array":
        return [sample_for_schema(schema.get("items", {}), text, root)] * schema.get("minItems", 0)
    scalars = {"integer": schema.get("minimum", 0), "number": float(schema.get("minimum", 0))}
    scalars |= {"boolean": False, "null": None}
    if kind in scalars:
        return scalars[kind]
    return text[: schema.get("maxLength", len(text))].ljust(schema.get("minLength", 0), "x")


def answer_text(body: dict[str, Any], override: str | None = None) -> str:
    """The assistant text: ``override`` if given, else an echo (JSON when asked for JSON)."""
    if override is not None:
        return override
    echo = "echo: " + last_user_text(body.get("messages") or [])[:40]
    response_format = body.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema") or {}
        return json.dumps(sample_for_schema(schema, echo, schema))
    if response_format.get("type") == "json_object":
        return json.dumps({"answer": echo})
    return echo


def usage(body: dict[str, Any], text: str) -> dict[str, int]:
    prompt = sum(len(str(m.get("content", "")).split()) for m in body.get("messages") or [])
    prompt, completion = max(prompt, 1), max(len(text.split()), 1)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def completion(model: str, body: dict[str, Any], text: str) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": usage(body, text),
    }


def sse_events(model: str, body: dict[str, Any], text: str) -> list[bytes]:
    """The ``data:`` events of a streamed completion, ending with ``[DONE]``."""
    include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
    base: dict[str, Any] = {"id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "created": int(time.time())}
    base |= {"object": "chat.completion.chunk", "model": model}
    if include_usage:
        base["usage"] = None  # OpenAI sends "usage": null on every chunk but the last

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return base | {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    pieces = [text[i : i + 8] for i in range(0, len(text), 8)]
    chunks = [chunk({"role": "assistant", "content": ""})]
    chunks += [chunk({"content": piece}) for piece in pieces]
    chunks.append(chunk({}, "stop"))
    if include_usage:
        chunks.append(base | {"choices": [], "usage": usage(body, text)})
    return [f"data: {json.dumps(c)}\n\n".encode() for c in chunks] + [b"data: [DONE]\n\n"]
