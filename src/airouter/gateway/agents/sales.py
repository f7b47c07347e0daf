"""The sales agent: writes an offer message for a fan (routed as `creative`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, JsonValue, field_validator

from airouter.gateway.agents.base import Agent, make_agent
from airouter.gateway.agents.fields import (
    AgentInput,
    AgentOutput,
    Confidence,
    Identifier,
    json_within,
)

OptimizationType = Literal["upsell", "ppv_suggestion", "tip_request", "subscription_renewal"]

INSTRUCTIONS = """
You help a creator on a subscription platform write one sales message to a fan, for the
requested `optimization_type` (an upsell, a pay-per-view suggestion, a tip request or a
subscription renewal), using `context` when given. The message must be honest, friendly
and free of pressure or false urgency; never ask for payment off the platform. Suggest a
price in US dollars when one applies, otherwise null. Estimate the conversion rate as a
probability, and offer a few genuinely different alternative approaches.
"""


class SalesInput(AgentInput):
    fan_id: Identifier
    optimization_type: OptimizationType
    context: dict[str, JsonValue] | None = None

    @field_validator("context")
    @classmethod
    def _bounded(cls, value: dict[str, JsonValue] | None) -> dict[str, JsonValue] | None:
        bounded: dict[str, JsonValue] | None = json_within(value)
        return bounded


class SalesOutput(AgentOutput):
    optimized_message: str = Field(min_length=1, description="the message to send")
    suggested_price: float | None = Field(None, ge=0, description="US dollars, or null")
    confidence: Confidence
    reasoning: str = Field(description="why this approach should work for this fan")
    expected_conversion_rate: float = Field(ge=0, le=1, description="probability, 0 to 1")
    alternative_approaches: tuple[str, ...] = Field(description="other ways to ask")


def sales_agent() -> Agent:
    return make_agent("sales", "creative", INSTRUCTIONS, SalesInput, SalesOutput)
