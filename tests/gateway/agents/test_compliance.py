"""Compliance requests and the verdict's own consistency rule."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from airouter.gateway.agents import AGENTS
from airouter.gateway.agents.compliance import ComplianceOutput, Violation
from tests.gateway.agents.samples import request_for

AGENT = AGENTS["compliance"]
VIOLATION = Violation(type="off_platform_payment", severity="high", description="asks for Telegram")


@pytest.mark.parametrize("content_type", ["message", "post", "caption", "bio", "comment"])
def test_every_content_type_is_accepted(content_type: str) -> None:
    assert request_for(AGENT, content_type=content_type).content_type == content_type


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"content_type": "story"}, id="unknown-content-type"),
        pytest.param({"content_type": "POST"}, id="enum-case"),
        pytest.param({"content": ""}, id="empty-content"),
        pytest.param({"content": "c" * 8_001}, id="long-content"),
        pytest.param({"platform": ""}, id="empty-platform"),
        pytest.param({"platform": "p" * 65}, id="long-platform"),
    ],
)
def test_bad_compliance_requests_are_rejected(changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        request_for(AGENT, **changes)


@pytest.mark.parametrize(
    ("is_compliant", "violations", "valid"),
    [
        (True, (), True),
        (False, (VIOLATION,), True),
        (False, (), True),
        (True, (VIOLATION,), False),
    ],
)
def test_a_verdict_may_not_pass_content_it_finds_violations_in(
    is_compliant: bool, violations: tuple[Violation, ...], valid: bool
) -> None:
    fields = {"is_compliant": is_compliant, "violations": violations, "confidence": 0.7}
    if valid:
        assert ComplianceOutput.model_validate(fields).is_compliant is is_compliant
    else:
        with pytest.raises(ValidationError, match="contradictory_verdict"):
            ComplianceOutput.model_validate(fields)
