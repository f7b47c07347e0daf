"""Per request: pick the provider (flag or sticky canary), run its path, fall back to legacy.

`decide_fallback` and `metadata` are pure; `Coordinator.handle` is the thin driver.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol

import structlog
from pydantic import BaseModel

from airouter.canary.splitter import Mode, Provider, select_provider
from airouter.errors import ProvidersFailed, UpstreamError
from airouter.gateway.agents import Agent
from airouter.gateway.paths import AgentCall, GuardedPath, PathAnswer
from airouter.routing.signals import Hints

log = structlog.get_logger("airouter.gateway")


class PercentageSource(Protocol):
    async def percentage(self) -> int: ...


@dataclass(frozen=True, slots=True)
class GatewayAnswer:
    output: BaseModel
    provider: Provider
    agent: str
    answer: PathAnswer
    fallback_reason: str | None
    latency_ms: float
    correlation_id: str

    @property
    def fallback_used(self) -> bool:
        return self.fallback_reason is not None


def metadata(a: GatewayAnswer) -> dict[str, Any]:
    """Seed property 3: every answer carries all of these."""
    raw = a.answer.raw
    return {
        "provider": a.provider,
        "agent": a.agent,
        "model": raw.model,
        "deployment": raw.deployment,
        "region": raw.region,
        "correlation_id": a.correlation_id,
        "latency_ms": a.latency_ms,
        "fallback_used": a.fallback_used,
        "fallback_reason": a.fallback_reason,
        "tokens": {
            "prompt": raw.usage.prompt_tokens,
            "completion": raw.usage.completion_tokens,
            "total": raw.usage.total_tokens,
        },
        "cost_usd": round(raw.cost_usd, 8),
    }


class Coordinator:
    def __init__(
        self,
        mode: Mode,
        migration: str,
        canary: PercentageSource,
        foundry: GuardedPath,
        legacy: GuardedPath,
        *,
        fallback_enabled: bool,
    ) -> None:
        self.mode = mode
        self.migration = migration
        self._canary = canary
        self._foundry = foundry
        self._legacy = legacy
        self.fallback_enabled = fallback_enabled

    def readiness(self) -> dict[str, Any]:
        return {"foundry": self._foundry.snapshot(), "legacy": self._legacy.snapshot()}

    async def choose(self, creator_id: str) -> Provider:
        percentage = await self._canary.percentage() if self.mode == "canary" else 0
        return select_provider(self.mode, self.migration, creator_id, percentage)

    async def handle(
        self, agent: Agent, request: BaseModel, creator_id: str, hints: Hints, correlation_id: str
    ) -> GatewayAnswer:
        started = time.perf_counter()
        provider = await self.choose(creator_id)
        call = AgentCall(agent, request, hints, correlation_id)
        answer, used, reason = await self._run(provider, call)
        return GatewayAnswer(
            answer.output,
            used,
            agent.name,
            answer,
            reason,
            round((time.perf_counter() - started) * 1000, 2),
            correlation_id,
        )

    async def _run(
        self, provider: Provider, call: AgentCall
    ) -> tuple[PathAnswer, Provider, str | None]:
        if provider == "legacy":
            return await self._only("legacy", self._legacy, call), "legacy", None
        try:
            return await self._foundry.run(call), "foundry", None
        except UpstreamError as exc:
            if not self.fallback_enabled:
                raise ProvidersFailed([("foundry", exc.code)]) from None
            log.warning("fallback_to_legacy", agent=call.agent.name, reason=exc.code)
            first = exc.code
        try:
            return await self._legacy.run(call), "legacy", first
        except UpstreamError as exc:
            raise ProvidersFailed([("foundry", first), ("legacy", exc.code)]) from None

    async def _only(self, name: str, path: GuardedPath, call: AgentCall) -> PathAnswer:
        try:
            return await path.run(call)
        except UpstreamError as exc:
            raise ProvidersFailed([(name, exc.code)]) from None
