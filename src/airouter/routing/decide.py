"""Which rule, and so which chain of deployments, serves a request. Pure functions of data."""

from __future__ import annotations

from dataclasses import dataclass

from airouter.config.model import Complexity, Rule, RuleMatch, TaskType, Tier


@dataclass(frozen=True, slots=True)
class Signals:
    """What routing looks at, after hints were applied over detection."""

    type: TaskType
    complexity: Complexity
    language: str
    tier: Tier


@dataclass(frozen=True, slots=True)
class Decision:
    rule: str
    chain: tuple[str, ...]


def matches(when: RuleMatch, s: Signals) -> bool:
    return (
        (when.type is None or s.type in when.type)
        and (when.complexity is None or s.complexity in when.complexity)
        and (when.language is None or s.language in when.language)
        and (when.tier is None or s.tier in when.tier)
    )


def decide(rules: tuple[Rule, ...], signals: Signals) -> Decision:
    """The first rule whose conditions all hold; the config guarantees a catch-all last rule."""
    for rule in rules:
        if matches(rule.when, signals):
            return Decision(rule.name, rule.chain)
    raise LookupError("no rule matched; the routing config must end with a catch-all rule")
