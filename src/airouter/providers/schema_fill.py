"""Build a small value that satisfies a JSON schema, deterministically.

The simulated model honours `response_format: json_schema` the way real models do
with structured outputs. Existing generators (hypothesis-jsonschema) produce random
values for testing; we need one stable, plausible value per prompt, so this is a
short walker over the JSON-schema subset that structured outputs allow.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_MAX_DEPTH = 8


def fill(schema: Mapping[str, Any], words: list[str]) -> Any:
    """A value valid against `schema`, with strings drawn from `words`."""
    return _Filler(schema, words or ["ok"]).value(schema, 0)


class _Filler:
    def __init__(self, root: Mapping[str, Any], words: list[str]) -> None:
        self._root = root
        self._words = words
        self._next = 0

    def value(self, schema: Mapping[str, Any], depth: int) -> Any:
        schema = self._resolve(schema)
        if "const" in schema:
            return schema["const"]
        if schema.get("enum"):
            return schema["enum"][0]
        for key in ("anyOf", "oneOf", "allOf"):
            if schema.get(key):
                return self.value(schema[key][0], depth + 1)
        kind = schema.get("type", "object" if "properties" in schema else "string")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if depth > _MAX_DEPTH:
            return None
        return self._by_type(str(kind), schema, depth)

    def _by_type(self, kind: str, schema: Mapping[str, Any], depth: int) -> Any:
        if kind == "object":
            props: Mapping[str, Any] = schema.get("properties", {})
            return {name: self.value(sub, depth + 1) for name, sub in props.items()}
        if kind == "array":
            count = max(int(schema.get("minItems", 1)), 1)
            count = min(count, int(schema.get("maxItems", count)))
            return [self.value(schema.get("items", {}), depth + 1) for _ in range(count)]
        if kind in ("number", "integer"):
            return self._number(kind, schema)
        if kind == "boolean":
            return len(self._words) % 2 == 0
        if kind == "null":
            return None
        return self._string(schema)

    def _number(self, kind: str, schema: Mapping[str, Any]) -> int | float:
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        high = schema.get("maximum", schema.get("exclusiveMaximum", low + 100))
        mid = (float(low) + float(high)) / 2
        return round(mid) if kind == "integer" else round(mid, 2)

    def _string(self, schema: Mapping[str, Any]) -> str:
        length = max(int(schema.get("minLength", 0)), 1)
        picked: list[str] = []
        while len(" ".join(picked)) < max(length, 12) and len(picked) < 12:
            picked.append(self._words[self._next % len(self._words)])
            self._next += 1
        text = " ".join(picked)
        if "maxLength" in schema:
            text = text[: int(schema["maxLength"])]
        return text

    def _resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        ref = schema.get("$ref")
        if not isinstance(ref, str) or not ref.startswith("#/"):
            return schema
        node: Any = self._root
        for part in ref[2:].split("/"):
            node = node.get(part, {}) if isinstance(node, Mapping) else {}
        return node if isinstance(node, Mapping) else {}
