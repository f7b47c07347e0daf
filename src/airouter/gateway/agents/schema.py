"""The JSON schema of an agent's answer, in the form OpenAI strict structured outputs accept.

Strict mode wants every object closed (`additionalProperties: false`) and every
property listed in `required`; an optional field is spelled as nullable instead
(pydantic already writes `T | None` as `anyOf: [T, null]`). `default` is not allowed
and `title` only costs tokens, so both go. Property names are data, never keywords:
a field called `title` survives.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

_DROPPED = frozenset({"default", "title"})
_NAMED = frozenset({"properties", "$defs"})


def strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    """`model`'s validation schema, made strict-mode compatible."""
    schema: dict[str, Any] = _strict(model.model_json_schema(mode="validation"))
    return schema


def _strict(node: Any) -> Any:
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _NAMED:
            out[key] = {name: _strict(sub) for name, sub in value.items()}
        elif key not in _DROPPED:
            out[key] = _strict(value)
    if "properties" in out:
        out["additionalProperties"] = False
        out["required"] = list(out["properties"])
    return out
