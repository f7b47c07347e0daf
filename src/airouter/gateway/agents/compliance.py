"""The compliance agent: checks content against platform rules (routed as `chat`).

It fails closed. An answer we cannot read is `AgentOutputInvalid`, never a pass, and
an answer that says "compliant" while listing violations contradicts itself, so it is
invalid too. A non-compliant verdict with no violations listed is accepted: it errs
on the safe side.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from airouter.gateway.agents.base import Agent, make_agent
from airouter.gateway.agents.fields import AgentInput, AgentOutput, Confidence, Label, Message

ContentType = Literal["message", "post", "caption", "bio", "comment"]
Severity = Literal["low", "medium", "high", "critical"]

INSTRUCTIONS = """
You review content a creator wants to publish on a subscription platform (a message,
post, caption, bio or comment) against the platform's rules and the law. Flag: anything
involving minors; non-consensual or illegal acts; hate, harassment or threats; asking
for payment or contact off the platform; sharing personal contact details; impersonation;
misleading claims or scams; spam. Judge the content for `platform` when given. List every
violation with its type, severity, a short description and where it occurs. If there is
any doubt, the content is not compliant. When it is not compliant, offer a compliant
rewrite that keeps the creator's intent, otherwise null.
"""


class Violation(AgentOutput):
    """One rule the content breaks."""

    type: str = Field(description="the rule broken, e.g. off_platform_payment")
    severity: Severity
    description: str
    location: str | None = Field(None, description="the offending words, or null")


class ComplianceInput(AgentInput):
    content: Message
    content_type: ContentType
    platform: Label | None = None


class ComplianceOutput(AgentOutput):
    # `enum` spells the boolean out with `false` first: schema-walking generators (the
    # simulated model) take the first enum value, which is then the safe verdict and
    # consistent with the non-empty violation list they also generate.
    is_compliant: bool = Field(json_schema_extra={"enum": [False, True]})
    violations: tuple[Violation, ...] = Field(description="every rule broken; empty when compliant")
    compliant_alternative: str | None = Field(None, description="a compliant rewrite, or null")
    confidence: Confidence

    @model_validator(mode="after")
    def _consistent(self) -> ComplianceOutput:
        if self.is_compliant and self.violations:
            raise PydanticCustomError(
                "contradictory_verdict", "is_compliant is true but violations are listed"
            )
        return self


def compliance_agent() -> Agent:
    return make_agent("compliance", "chat", INSTRUCTIONS, ComplianceInput, ComplianceOutput)
