"""The gateway's four agents: messaging, analytics, sales and compliance.

Each agent turns a typed request into chat messages plus a `response_format` asking
for its JSON schema, and reads the model's answer back into a typed, validated
output, failing closed with `AgentOutputInvalid`. `resolve_agent` maps the request
types clients use to an agent.
"""

from airouter.gateway.agents.base import Agent, AgentName, make_agent
from airouter.gateway.agents.fields import ROUTING_FIELDS, AgentInput, AgentOutput
from airouter.gateway.agents.registry import AGENTS, ALIASES, build_registry, resolve_agent

__all__ = [
    "AGENTS",
    "ALIASES",
    "ROUTING_FIELDS",
    "Agent",
    "AgentInput",
    "AgentName",
    "AgentOutput",
    "build_registry",
    "make_agent",
    "resolve_agent",
]
