"""The four agents by name, and the request types that lead to each.

Request types come from URLs and client code in many spellings, so they are matched
case-insensitively with `-` read as `_`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from airouter.errors import InvalidRequest
from airouter.gateway.agents.analytics import analytics_agent
from airouter.gateway.agents.base import Agent, AgentName
from airouter.gateway.agents.compliance import compliance_agent
from airouter.gateway.agents.messaging import messaging_agent
from airouter.gateway.agents.sales import sales_agent

ALIASES: Mapping[str, AgentName] = MappingProxyType(
    {
        "fan_message": "messaging",
        "chat": "messaging",
        "message": "messaging",
        "messaging": "messaging",
        "analyze_performance": "analytics",
        "analytics": "analytics",
        "optimize_sales": "sales",
        "sales": "sales",
        "generate_caption": "sales",
        "compliance_check": "compliance",
        "moderation": "compliance",
        "compliance": "compliance",
    }
)
_SHOWN_CHARS = 40


def build_registry() -> Mapping[str, Agent]:
    """Every agent by name, read-only."""
    agents = (messaging_agent(), analytics_agent(), sales_agent(), compliance_agent())
    return MappingProxyType({agent.name: agent for agent in agents})


AGENTS: Mapping[str, Agent] = build_registry()


def normalize(request_type: str) -> str:
    """The canonical spelling of a request type: trimmed, lower case, `_` for `-`."""
    return request_type.strip().lower().replace("-", "_")


def resolve_agent(request_type: str) -> Agent:
    """The agent serving `request_type`, or InvalidRequest naming the known types."""
    name = ALIASES.get(normalize(request_type)) if isinstance(request_type, str) else None
    if name is None:
        shown = repr(request_type)[:_SHOWN_CHARS]
        known = ", ".join(sorted(ALIASES))
        raise InvalidRequest(f"unknown request type {shown}; known types: {known}")
    return AGENTS[name]
