"""Pick what to judge out of an OpenAI-style message list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Conversation:
    """The last user message (what is judged) and the system prompt (weak context)."""

    prompt: str
    system: str | None


def conversation(messages: Sequence[Mapping[str, Any]]) -> Conversation:
    """The text of the last user message and of all system/developer messages."""
    prompt = ""
    for message in reversed(messages):
        if message.get("role") == "user":
            prompt = content_text(message.get("content"))
            break
    system = "\n".join(
        content_text(message.get("content"))
        for message in messages
        if message.get("role") in ("system", "developer")
    )
    return Conversation(prompt=prompt, system=system or None)


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
