"""Valid requests for each agent, and schema helpers shared by the agent tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from airouter.gateway.agents import Agent

VALID: dict[str, dict[str, Any]] = {
    "messaging": {
        "creator_id": "creator-1",
        "fan_id": "fan:42",
        "message": "Hey! Loved your last post 😍 are you doing more like it?",
        "context": {
            "fan_history": ["subscribed 8 months", "bought 2 PPV sets"],
            "creator_style": "playful, short sentences, lots of emoji",
            "previous_messages": [
                {"role": "creator", "content": "Thanks for the tip babe!"},
                {"role": "fan", "content": "anytime"},
            ],
            "personality": "warm and teasing",
        },
        "client_tier": "vip",
        "plan": "pro",
        "language": "en",
    },
    "analytics": {
        "creator_id": "c_1",
        "analysis_type": "revenue",
        "data": {"daily_revenue_usd": [120.5, 98, 143], "subscribers": 812},
        "time_range": {"start": "2024-05-01", "end": "2024-05-31"},
    },
    "sales": {
        "creator_id": "c.1",
        "fan_id": "f-1",
        "optimization_type": "ppv_suggestion",
        "context": {"last_purchase_usd": 12, "favourite": "cosplay"},
        "client_tier": "standard",
    },
    "compliance": {
        "creator_id": "c1",
        "content": "Message me on Telegram for a cheaper bundle",
        "content_type": "message",
        "platform": "onlyfans",
    },
}


def request_for(agent: Agent, **changes: Any) -> Any:
    """A valid request for `agent`, with `changes` applied to the sample."""
    return agent.input_model.model_validate({**VALID[agent.name], **changes})


def schema_of(agent: Agent) -> dict[str, Any]:
    schema: dict[str, Any] = agent.response_format()["json_schema"]["schema"]
    return schema


def nodes(schema: Any) -> Iterator[dict[str, Any]]:
    """Every schema object in `schema` (property maps themselves are not schemas)."""
    if isinstance(schema, list):
        for item in schema:
            yield from nodes(item)
    elif isinstance(schema, dict):
        yield schema
        for key, value in schema.items():
            named = key in ("properties", "$defs")
            yield from nodes(list(value.values()) if named else value)
