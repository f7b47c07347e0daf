"""Reading an agent's answer: find the JSON object a model wrote, validate it, fail closed.

Models wrap JSON in Markdown fences, think aloud in `<think>…</think>` first, or put a
sentence of prose around it. We drop reasoning blocks, prefer the contents of fenced
blocks, and take the first complete JSON object; it must then match the output model
exactly (strict types: `"true"` is not a boolean, `"0.9"` is not a number). Anything
we cannot read becomes `AgentOutputInvalid`, a provider fault, whose message names
the agent and what went wrong but never repeats the model's text.

Every step is linear in the answer's length or bounded by a constant, so a runaway
model cannot make the gateway spend quadratic time on its output.
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from pydantic import ValidationError

from airouter.errors import AgentOutputInvalid
from airouter.gateway.agents.fields import AgentOutput

Output = TypeVar("Output", bound=AgentOutput)

MAX_ANSWER_CHARS = 200_000
_MAX_OBJECT_STARTS = 64  # `{` positions tried before giving up
_MAX_FENCED_BLOCKS = 8
_MAX_REPORTED_ERRORS = 4
_TAG = re.compile(r"<(/?)think>", re.IGNORECASE)


class DuplicateKey(ValueError):
    """A JSON object names the same key twice: two answers in one, so neither is trusted."""


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise DuplicateKey("a JSON object repeats a key")
    return obj


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(object_pairs_hook=_object, parse_constant=_no_constant)


def strip_reasoning(text: str) -> str:
    """`text` without `<think>…</think>` blocks.

    A closing tag with no opening one means the reasoning began before the text we
    were given (some servers put `<think>` in the prompt template): everything before
    it is reasoning. An opening tag never closed means the model was cut off while
    thinking: nothing after it is an answer.
    """
    kept: list[str] = []
    start, inside = 0, False
    for tag in _TAG.finditer(text):
        closing = tag.group(1) == "/"
        if closing:
            if not inside:
                kept.clear()
            inside, start = False, tag.end()
        elif not inside:
            kept.append(text[start : tag.start()])
            inside = True
    if not inside:
        kept.append(text[start:])
    return " ".join(kept)


def fenced_blocks(text: str) -> list[str]:
    """Contents of closed ``` blocks, first ones first (an info string like `json` stays in)."""
    parts = text.split("```")
    closed = parts[1 : len(parts) - 1 : 2]
    return closed[:_MAX_FENCED_BLOCKS]


def first_object(text: str) -> str | None:
    """The source of the first complete JSON object in `text`, or None.

    Raises DuplicateKey when that object repeats a key.
    """
    start = text.find("{")
    for _ in range(_MAX_OBJECT_STARTS):
        if start < 0:
            return None
        try:
            _, end = _DECODER.raw_decode(text, start)
        except DuplicateKey:
            raise
        except (ValueError, RecursionError):
            start = text.find("{", start + 1)
            continue
        return text[start:end]
    return None


def find_json_object(text: str) -> str | None:
    """The JSON object an answer holds: from a fenced block if one has it, else anywhere."""
    answer = strip_reasoning(text)
    for candidate in (*fenced_blocks(answer), answer):
        found = first_object(candidate)
        if found is not None:
            return found
    return None


def parse_output(model: type[Output], text: str, *, agent: str, deployment: str) -> Output:
    """`text` read as `model`, or AgentOutputInvalid naming `agent` and `deployment`."""

    def invalid(reason: str) -> AgentOutputInvalid:
        return AgentOutputInvalid(f"{agent} agent answer {reason}", deployment=deployment)

    if len(text) > MAX_ANSWER_CHARS:
        raise invalid(f"is longer than {MAX_ANSWER_CHARS} characters")
    try:
        source = find_json_object(text)
    except DuplicateKey:
        raise invalid("repeats a key in its JSON object") from None
    if source is None:
        raise invalid("contains no complete JSON object")
    try:
        return model.model_validate_json(source, strict=True)
    except ValidationError as exc:
        raise invalid(f"breaks its schema ({error_types(exc)})") from None


def error_types(exc: ValidationError) -> str:
    """The kinds of error pydantic found, never the offending values or keys."""
    kinds = sorted({str(error["type"]) for error in exc.errors(include_input=False)})
    shown = kinds[:_MAX_REPORTED_ERRORS]
    more = len(kinds) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more else "")
