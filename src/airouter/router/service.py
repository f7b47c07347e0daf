"""The router's core: plan a route, then walk the deployment chain until one answers.

`plan()` decides purely once detection (local, or an LLM classifier) is done.
`complete()` and `stream()` call each deployment of the chain through the
resilience driver (deadline, retries, the deployment's breaker); a deployment that
fails after its retries, or whose breaker is open, is skipped with its reason and
the next one answers.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any, TypeVar

import structlog

from airouter.config.model import Deployment, RoutingConfig, Rule
from airouter.errors import (
    NOT_ATTEMPTED,
    AllDeploymentsFailed,
    Attempt,
    InvalidRequest,
    UpstreamError,
)
from airouter.providers.base import (
    ChatRequest,
    ChatResult,
    Provider,
    StreamChunk,
    own_time_limit,
)
from airouter.router.caller import ResilientCaller
from airouter.routing.classifiers import LocalClassifier
from airouter.routing.decide import Decision, decide
from airouter.routing.signals import (
    Classifier,
    DetectionLike,
    Hints,
    Resolved,
    needs_detection,
    resolve,
)

T = TypeVar("T")
PLAN_CACHE = 1024
log = structlog.get_logger("airouter.router")


@dataclass(frozen=True, slots=True)
class Plan:
    resolved: Resolved
    decision: Decision


@dataclass(frozen=True, slots=True)
class Outcome:
    """A successful routed call and what it took to get it."""

    result: ChatResult
    deployment: Deployment
    skipped: tuple[Attempt, ...]
    cost_usd: float


@dataclass(frozen=True, slots=True)
class StreamOutcome:
    deployment: Deployment
    skipped: tuple[Attempt, ...]
    chunks: AsyncGenerator[StreamChunk, None]


def plan_for(rules: tuple[Rule, ...], hints: Hints, detection: DetectionLike | None) -> Plan:
    """Hints over detection, then the first matching rule: the whole decision, pure."""
    resolved = resolve(hints, detection)
    return Plan(resolved, decide(rules, resolved.signals))


class RouterService:
    def __init__(
        self,
        config: RoutingConfig,
        providers: Mapping[str, Provider],
        classifier: Classifier | None,
        resilience: ResilientCaller,
    ) -> None:
        self.config = config
        self._providers = providers
        self._limits = {name: own_time_limit(p) for name, p in providers.items()}
        # A plan is immutable and a repeated prompt brings the same detection (the
        # detector keeps its verdicts per prompt): its plan is built once (resolve()
        # formats a reason string). A new prompt's detection names bits of it among
        # its reasons, so those plans are built anew, as before.
        self._plan_for = lru_cache(maxsize=PLAN_CACHE)(partial(plan_for, config.rules))
        self._classifier = classifier
        self._resilience = resilience

    async def plan(self, messages: Sequence[Mapping[str, Any]], hints: Hints) -> Plan:
        detection = await self._detect(messages, hints)
        try:
            return self._plan_for(hints, detection)
        except TypeError:  # a detection that cannot be hashed (an injected classifier's)
            return plan_for(self.config.rules, hints, detection)

    @property
    def plans_locally(self) -> bool:
        """Whether planning never waits on the network (no LLM classifier to ask)."""
        return self._classifier is None or isinstance(self._classifier, LocalClassifier)

    async def pinned(self, name: str, messages: Sequence[Mapping[str, Any]], hints: Hints) -> Plan:
        """A plan whose chain is the one deployment the caller named."""
        if name not in self._providers:
            raise InvalidRequest(f"unknown model {name!r}; use 'auto' or one of /v1/models")
        resolved = resolve(hints, await self._detect(messages, hints))
        return Plan(resolved, Decision(f"model={name}", (name,)))

    async def _detect(
        self, messages: Sequence[Mapping[str, Any]], hints: Hints
    ) -> DetectionLike | None:
        if self._classifier is None or not needs_detection(hints):
            return None
        return await self._classifier.classify(messages)

    async def complete(
        self, request: ChatRequest, plan: Plan, deadline: float | None = None
    ) -> Outcome:
        """The first deployment of the chain that answers; `deadline` (monotonic) bounds it all."""

        result, deployment, skipped = await self._walk(
            plan, request.correlation_id, lambda provider: provider.complete(request), deadline
        )
        usage = result.usage
        cost = deployment.price.cost(usage.prompt_tokens, usage.completion_tokens)
        return Outcome(result, deployment, skipped, cost)

    async def stream(self, request: ChatRequest, plan: Plan) -> StreamOutcome:
        """Fail over only until the first chunk arrives; after that the stream is committed."""

        async def first(provider: Provider) -> tuple[StreamChunk, AsyncIterator[StreamChunk]]:
            chunks = aiter(provider.stream(request))
            try:
                head = await anext(chunks)
            except StopAsyncIteration:
                head = StreamChunk(finish_reason="stop")
            return head, chunks

        (head, rest), deployment, skipped = await self._walk(
            plan, request.correlation_id, first, None
        )
        return StreamOutcome(deployment, skipped, self._watched(deployment.name, head, rest))

    async def _watched(
        self, name: str, head: StreamChunk, rest: AsyncIterator[StreamChunk]
    ) -> AsyncGenerator[StreamChunk, None]:
        """The committed stream; a failure after the first byte still reaches the breaker."""
        try:
            yield head
            async for chunk in rest:
                yield chunk
        except UpstreamError as exc:
            self._resilience.report_late_failure(name, exc)
            raise
        finally:
            close = getattr(rest, "aclose", None)
            if close is not None:  # release the upstream response now, not at GC
                await close()

    async def _walk(
        self,
        plan: Plan,
        correlation_id: str,
        call: Callable[[Provider], Awaitable[T]],
        deadline: float | None,
    ) -> tuple[T, Deployment, tuple[Attempt, ...]]:
        skipped: list[Attempt] = []
        deadline = deadline if deadline is not None else self._resilience.deadline_from_now()
        last_retry_after: float | None = None
        chain = plan.decision.chain
        for index, name in enumerate(chain):
            provider = self._providers[name]
            now = self._resilience.now()
            if now >= deadline:
                skipped.append(Attempt(name, NOT_ATTEMPTED, None))
                continue
            try:
                value = await self._resilience.call(
                    name,
                    partial(call, provider),
                    deadline=share_of(now, deadline, len(chain) - index),
                    correlation_id=correlation_id,
                    gives_up_within=self._limits[name],
                )
            except UpstreamError as exc:
                skipped.append(Attempt(name, exc.code, exc.upstream_status))
                last_retry_after = exc.retry_after or last_retry_after
                log.warning(
                    "deployment_skipped",
                    deployment=name,
                    code=exc.code,
                    upstream_status=exc.upstream_status,
                )
                continue
            return value, provider.deployment, tuple(skipped)
        raise AllDeploymentsFailed(skipped, retry_after=last_retry_after)

    def readiness(self) -> dict[str, Any]:
        return {
            "deployments": [d.name for d in self.config.deployments],
            "breakers": self._resilience.snapshot(),
        }


FALLBACK_RESERVE = 2.0
"""Seconds kept back, at most, for each deployment after the one being called."""


def share_of(now: float, deadline: float, left: int) -> float:
    """The deadline for one deployment when `left` deployments (it included) remain.

    It gets all the time left but a reserve for each fallback after it -- at most
    FALLBACK_RESERVE seconds each, and together never more than half of what is
    left -- so a hanging deployment cannot spend the whole request before its
    fallbacks get a turn, and a healthy slow one still has most of the budget.
    """
    if left <= 1:
        return deadline
    reserve = min(FALLBACK_RESERVE, (deadline - now) / (2 * left))
    return deadline - reserve * (left - 1)
