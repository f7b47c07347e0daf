"""The analytics agent: reads a creator's numbers and explains them (routed as `math`)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator, model_validator

from airouter.gateway.agents.base import Agent, make_agent
from airouter.gateway.agents.fields import AgentInput, AgentOutput, Confidence, json_within

AnalysisType = Literal["revenue", "engagement", "content", "fan_behavior", "predictive"]

INSTRUCTIONS = """
You are a data analyst for a creator on a subscription platform. Analyse `data` for the
requested `analysis_type` (over `time_range` when given). Ground every insight in the
numbers provided; do not invent figures. Predictions must say what they are based on.
Recommendations must be concrete actions the creator can take. Keep the summary to a
few sentences, and lower your confidence when the data is thin.
"""


class TimeRange(BaseModel):
    """An inclusive range of days."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> TimeRange:
        if self.start > self.end:
            raise ValueError("start must not be after end")
        return self


class AnalyticsInput(AgentInput):
    analysis_type: AnalysisType
    data: JsonValue
    time_range: TimeRange | None = None

    @field_validator("data")
    @classmethod
    def _bounded(cls, value: JsonValue) -> JsonValue:
        bounded: JsonValue = json_within(value)
        return bounded


class AnalyticsOutput(AgentOutput):
    insights: tuple[str, ...] = Field(description="what the data shows")
    predictions: tuple[str, ...] = Field(description="what is likely next, and why")
    recommendations: tuple[str, ...] = Field(description="concrete actions for the creator")
    summary: str = Field(min_length=1)
    confidence: Confidence


def analytics_agent() -> Agent:
    return make_agent("analytics", "math", INSTRUCTIONS, AnalyticsInput, AnalyticsOutput)
