"""The messaging agent: drafts a creator's reply to a fan (routed as `chat`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from airouter.gateway.agents.base import Agent, make_agent
from airouter.gateway.agents.fields import (
    AgentInput,
    AgentOutput,
    Confidence,
    Identifier,
    Message,
    Note,
)

INSTRUCTIONS = """
You draft the reply a creator will send to one of their fans on a subscription platform.
Write in the creator's voice, following `context.creator_style` and
`context.personality` when given, and take `context.fan_history` and
`context.previous_messages` into account. Be warm, personal and brief. Reply in the
language the fan wrote in. Never ask to move the conversation or payments off the
platform, never share personal contact details, never pressure the fan. Suggest an
upsell only when it fits the conversation naturally, otherwise leave it null.
"""


class PreviousMessage(BaseModel):
    """One earlier message of the conversation, oldest first."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Literal["fan", "creator"]
    content: Message


class MessagingContext(BaseModel):
    """What the agent may know besides the fan's message."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fan_history: Annotated[tuple[Note, ...], Field(max_length=50)] | None = None
    creator_style: Note | None = None
    previous_messages: Annotated[tuple[PreviousMessage, ...], Field(max_length=50)] | None = None
    personality: Note | None = None


class MessagingInput(AgentInput):
    fan_id: Identifier
    message: Message
    context: MessagingContext | None = None


class MessagingOutput(AgentOutput):
    response: str = Field(min_length=1, description="the reply to send, in the creator's voice")
    confidence: Confidence
    suggested_upsell: str | None = Field(None, description="an offer that fits, or null")
    reasoning: str | None = Field(None, description="one or two sentences on the choice")


def messaging_agent() -> Agent:
    return make_agent("messaging", "chat", INSTRUCTIONS, MessagingInput, MessagingOutput)
