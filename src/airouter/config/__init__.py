"""The routing config: deployments and ordered rules, loaded from YAML and validated at startup."""

from airouter.config.load import load_routing_config
from airouter.config.model import (
    Deployment,
    Price,
    ProviderKind,
    RoutingConfig,
    Rule,
    RuleMatch,
    Simulation,
    Timeouts,
)

__all__ = [
    "Deployment",
    "Price",
    "ProviderKind",
    "RoutingConfig",
    "Rule",
    "RuleMatch",
    "Simulation",
    "Timeouts",
    "load_routing_config",
]
