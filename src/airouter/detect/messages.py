"""Pick what to judge out of an OpenAI-style message list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from airouter.messages import content_text, last_user_text, message_text


@dataclass(frozen=True, slots=True)
class Conversation:
    """The last user message (what is judged) and the system prompt (weak context)."""

    prompt: str
    system: str | None


def conversation(messages: Sequence[Mapping[str, Any]]) -> Conversation:
    """The text of the last user message and of all system/developer messages."""
    prompt = last_user_text(messages)
    system = "\n".join(
        message_text(message)
        for message in messages
        if message.get("role") in ("system", "developer")
    )
    return Conversation(prompt=prompt, system=system or None)


__all__ = ["Conversation", "content_text", "conversation"]
