"""Typed, immutable shape of the routing config (see default.yaml for a commented example)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ProviderKind = Literal["openai", "azure", "simulated"]
TaskType = Literal["chat", "math", "coding", "creative"]
Complexity = Literal["low", "high"]
Tier = Literal["standard", "vip"]

TASK_TYPES: tuple[TaskType, ...] = ("chat", "math", "coding", "creative")
TIERS: tuple[Tier, ...] = ("standard", "vip")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Price(_Frozen):
    """US dollars per 1,000 tokens."""

    input_per_1k: float = Field(ge=0)
    output_per_1k: float = Field(ge=0)

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.input_per_1k + completion_tokens * self.output_per_1k) / 1000


class Timeouts(_Frozen):
    """Seconds. `first_byte` bounds the wait for response headers (or the first stream chunk)."""

    connect: float = Field(3.0, gt=0)
    first_byte: float = Field(30.0, gt=0)
    total: float = Field(60.0, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> Timeouts:
        if self.connect > self.total or self.first_byte > self.total:
            raise ValueError("connect and first_byte must not exceed total")
        return self


class Simulation(_Frozen):
    """Behaviour of a `simulated` deployment: a lognormal latency and a failure rate."""

    latency_ms_median: float = Field(40.0, ge=0)
    latency_ms_p95: float = Field(120.0, ge=0)
    failure_rate: float = Field(0.0, ge=0, le=1)
    tokens_per_second: float = Field(400.0, gt=0)

    @model_validator(mode="after")
    def _p95_above_median(self) -> Simulation:
        if self.latency_ms_p95 < self.latency_ms_median:
            raise ValueError("latency_ms_p95 must be >= latency_ms_median")
        return self


class Deployment(_Frozen):
    """One model deployment airouter can call."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
    provider: ProviderKind
    model: str = Field(min_length=1, description="upstream model id or Azure deployment name")
    endpoint: str | None = None
    region: str = "local"
    api_key_env: str | None = None
    azure_api: Literal["inference", "openai"] = "inference"
    api_version: str | None = None
    price: Price = Price(input_per_1k=0.0, output_per_1k=0.0)
    timeout: Timeouts = Timeouts()
    simulation: Simulation = Simulation()

    @model_validator(mode="after")
    def _real_providers_need_endpoint(self) -> Deployment:
        if self.provider == "simulated":
            return self
        if not self.endpoint or not self.endpoint.startswith(("http://", "https://")):
            raise ValueError(
                f"deployment {self.name!r}: provider {self.provider} needs an http(s) endpoint"
            )
        if self.provider == "azure" and not self.api_key_env:
            raise ValueError(f"deployment {self.name!r}: azure deployments need api_key_env")
        return self


class RuleMatch(_Frozen):
    """Conditions of a rule; an absent field matches anything, a list matches any member."""

    type: tuple[TaskType, ...] | None = None
    complexity: tuple[Complexity, ...] | None = None
    language: tuple[str, ...] | None = None
    tier: tuple[Tier, ...] | None = None


class Rule(_Frozen):
    """First matching rule wins; `chain` is tried in order (the head answers unless it fails)."""

    name: str = Field(min_length=1)
    when: RuleMatch = RuleMatch()
    chain: tuple[str, ...] = Field(min_length=1)


class RetrySettings(_Frozen):
    """Per-deployment retries (see docs/resilience.md)."""

    max_retries: int = Field(3, ge=0, le=10)
    base: float = Field(1.0, ge=0)
    factor: float = Field(2.0, ge=1)
    max_backoff: float = Field(60.0, ge=0)
    max_retry_after: float = Field(60.0, ge=0)


class BreakerSettings(_Frozen):
    """Per-deployment circuit breakers (see docs/resilience.md)."""

    window_seconds: float = Field(60.0, gt=0)
    window_buckets: int = Field(60, ge=1)
    failure_rate_threshold: float = Field(0.5, gt=0, le=1)
    minimum_calls: int = Field(10, ge=1)
    consecutive_failures: int | None = Field(5, ge=1)
    slow_call_threshold: float = Field(30.0, gt=0)
    open_wait: float = Field(30.0, gt=0)
    half_open_trials: int = Field(1, ge=1)


class ResilienceSettings(_Frozen):
    """`deadline` bounds a whole request: every attempt, backoff and fallback inside it."""

    deadline: float = Field(90.0, gt=0)
    retry: RetrySettings = RetrySettings()
    breaker: BreakerSettings = BreakerSettings()


def _default_plans() -> dict[str, Tier]:
    return {
        "free": "standard",
        "basic": "standard",
        "pro": "standard",
        "business": "vip",
        "enterprise": "vip",
    }


class GatewayPathSettings(_Frozen):
    """Deadline, retries and breaker of one gateway path (foundry or legacy)."""

    deadline: float = Field(5.0, gt=0)
    retry: RetrySettings = RetrySettings(max_retries=1, base=0.2)
    breaker: BreakerSettings = BreakerSettings()


class GatewaySettings(_Frozen):
    """The gateway's side of the config: its canary migration, plans and paths."""

    migration: str = Field("foundry-migration", min_length=1)
    plans: dict[str, Tier] = Field(default_factory=_default_plans)
    foundry: GatewayPathSettings = GatewayPathSettings()
    legacy: GatewayPathSettings = GatewayPathSettings(deadline=30.0)


class RoutingConfig(_Frozen):
    resilience: ResilienceSettings = ResilienceSettings()
    gateway: GatewaySettings = GatewaySettings()
    deployments: tuple[Deployment, ...] = Field(min_length=1)
    rules: tuple[Rule, ...] = Field(min_length=1)
    classifier: Literal["local", "llm"] = "local"
    classifier_deployment: str | None = None
    classifier_timeout: float = Field(0.5, gt=0, le=30)
    legacy_deployment: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> RoutingConfig:
        names = [d.name for d in self.deployments]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate deployment names: {', '.join(dupes)}")
        rule_names = [r.name for r in self.rules]
        dupe_rules = sorted({n for n in rule_names if rule_names.count(n) > 1})
        if dupe_rules:
            raise ValueError(f"duplicate rule names: {', '.join(dupe_rules)}")
        known = set(names)
        for rule in self.rules:
            unknown = [n for n in rule.chain if n not in known]
            if unknown:
                raise ValueError(
                    f"rule {rule.name!r} names unknown deployment(s): "
                    f"{', '.join(unknown)}; known: {', '.join(names)}"
                )
        if self.classifier == "llm" and self.classifier_deployment not in known:
            raise ValueError(
                "classifier: llm needs classifier_deployment to name a deployment "
                f"(got {self.classifier_deployment!r})"
            )
        if self.legacy_deployment is not None and self.legacy_deployment not in known:
            raise ValueError(f"legacy_deployment {self.legacy_deployment!r} is not a deployment")
        if self.rules[-1].when != RuleMatch():
            raise ValueError(
                f"the last rule ({self.rules[-1].name!r}) must match everything "
                "(no 'when'), so every request has a route"
            )
        return self

    def deployment(self, name: str) -> Deployment:
        for d in self.deployments:
            if d.name == name:
                return d
        raise KeyError(name)
