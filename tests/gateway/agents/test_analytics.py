"""Analytics requests: an analysis type, any JSON data, and an optional range of days."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from airouter.gateway.agents import AGENTS
from tests.gateway.agents.samples import request_for

AGENT = AGENTS["analytics"]


@pytest.mark.parametrize(
    "analysis_type", ["revenue", "engagement", "content", "fan_behavior", "predictive"]
)
def test_every_analysis_type_is_accepted(analysis_type: str) -> None:
    assert request_for(AGENT, analysis_type=analysis_type).analysis_type == analysis_type


@pytest.mark.parametrize("data", [None, 3, "text", [1, "a"], {"nested": {"deep": [True]}}])
def test_data_may_be_any_json(data: Any) -> None:
    assert request_for(AGENT, data=data).data == data


def test_a_one_day_range_is_accepted() -> None:
    request = request_for(AGENT, time_range={"start": "2024-05-01", "end": "2024-05-01"})
    assert request.time_range is not None and request.time_range.start == request.time_range.end


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"analysis_type": "Revenue"}, id="enum-case"),
        pytest.param({"analysis_type": "sentiment"}, id="unknown-analysis"),
        pytest.param({"data": {"x": "y" * 70_000}}, id="data-too-big"),
        pytest.param({"time_range": {"start": "2024-06-01", "end": "2024-05-01"}}, id="reversed"),
        pytest.param({"time_range": {"start": "2024-05-01"}}, id="open-range"),
        pytest.param({"time_range": "last 30 days"}, id="free-text-range"),
        pytest.param(
            {"time_range": {"start": "2024-05-01", "end": "2024-05-02", "tz": "UTC"}},
            id="extra-range-field",
        ),
    ],
)
def test_bad_analytics_requests_are_rejected(changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        request_for(AGENT, **changes)


def test_the_range_reaches_the_prompt_as_iso_dates() -> None:
    user = AGENT.messages(request_for(AGENT))[1]["content"]
    assert '"time_range":{"start":"2024-05-01","end":"2024-05-31"}' in user
