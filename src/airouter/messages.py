"""Reading OpenAI-style chat messages: the text of one, and the last user turn."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def content_text(content: object) -> str:
    """A message's text: a string, or the text parts of a list of content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence) and not isinstance(content, bytes | bytearray):
        texts = (
            part.get("text")
            for part in content
            if isinstance(part, Mapping) and part.get("type") in ("text", "input_text")
        )
        return "\n".join(text for text in texts if isinstance(text, str))
    return ""


def message_text(message: Mapping[str, Any]) -> str:
    return content_text(message.get("content"))


def last_user_text(messages: Sequence[Mapping[str, Any]]) -> str:
    """The text of the last user message ("" when there is none)."""
    for message in reversed(messages):
        if message.get("role") == "user":
            return message_text(message)
    return ""
