"""Sales requests: an optimization type for one fan, with optional free-form context."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from airouter.gateway.agents import AGENTS
from tests.gateway.agents.samples import request_for

AGENT = AGENTS["sales"]


@pytest.mark.parametrize(
    "optimization_type", ["upsell", "ppv_suggestion", "tip_request", "subscription_renewal"]
)
def test_every_optimization_type_is_accepted(optimization_type: str) -> None:
    request = request_for(AGENT, optimization_type=optimization_type)
    assert request.optimization_type == optimization_type


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"optimization_type": "discount"}, id="unknown-optimization"),
        pytest.param({"optimization_type": "ppv-suggestion"}, id="enum-spelling"),
        pytest.param({"fan_id": ""}, id="empty-fan-id"),
        pytest.param({"context": ["not", "an", "object"]}, id="context-not-an-object"),
        pytest.param({"context": {"notes": "n" * 70_000}}, id="context-too-big"),
    ],
)
def test_bad_sales_requests_are_rejected(changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        request_for(AGENT, **changes)
