"""Calls one deployment under the request's deadline, its retry policy and its breaker.

A thin holder of the resilience collaborators (breaker registry, retry policy,
clock, sleep, randomness) so the router service only says *which* deployment and
*what* call; `airouter.resilience.driver` decides and does the rest.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

import structlog

from airouter.config.model import BreakerSettings, RetrySettings, RoutingConfig
from airouter.errors import UpstreamError
from airouter.resilience.breaker import BreakerConfig, BreakerStatus
from airouter.resilience.circuit import BreakerListener, BreakerRegistry, Clock
from airouter.resilience.driver import call_with_resilience
from airouter.resilience.retry import RetryPolicy

T = TypeVar("T")
AttemptObserver = Callable[[str, str], None]
"""Told (target name, outcome: "ok" or the error code) after every attempt."""
Sleep = Callable[[float], Awaitable[None]]
log = structlog.get_logger("airouter.resilience")


def log_transition(name: str, old: BreakerStatus, new: BreakerStatus, reason: str) -> None:
    log.warning("breaker_transition", deployment=name, old=old.value, new=new.value, reason=reason)


def retry_policy(settings: RetrySettings) -> RetryPolicy:
    return RetryPolicy(**settings.model_dump())


def breaker_config(settings: BreakerSettings) -> BreakerConfig:
    return BreakerConfig(**settings.model_dump())


class ResilientCaller:
    def __init__(
        self,
        registry: BreakerRegistry,
        policy: RetryPolicy,
        deadline: float,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
        observer: AttemptObserver | None = None,
    ) -> None:
        self.registry = registry
        self._observer = observer
        self.policy = policy
        self.deadline = deadline
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security

    @classmethod
    def from_config(cls, config: RoutingConfig, **options: Any) -> ResilientCaller:
        """The router's caller: one breaker per deployment, the config's retry policy."""
        r = config.resilience
        return cls.from_settings(r.retry, r.breaker, r.deadline, **options)

    @classmethod
    def from_settings(
        cls,
        retry: RetrySettings,
        breaker: BreakerSettings,
        deadline: float,
        *,
        listeners: Iterable[BreakerListener] = (),
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
        observer: AttemptObserver | None = None,
    ) -> ResilientCaller:
        registry = BreakerRegistry(
            breaker_config(breaker), clock=clock, listeners=(log_transition, *listeners)
        )
        return cls(
            registry,
            retry_policy(retry),
            deadline,
            clock=clock,
            sleep=sleep,
            rng=rng,
            observer=observer,
        )

    def now(self) -> float:
        return self._clock()

    def deadline_from_now(self) -> float:
        return self._clock() + self.deadline

    def call(
        self,
        name: str,
        fn: Callable[[], Awaitable[T]],
        *,
        deadline: float,
        correlation_id: str,
        gives_up_within: float | None = None,
        keeps_deadline: bool = False,
    ) -> Awaitable[T]:
        """`fn` under the deadline, the retry policy and `name`'s breaker;
        `gives_up_within`: `fn`'s own time limit, if it has one; `keeps_deadline`: `fn`
        gives up by `deadline` itself (both: `call_with_resilience`)."""

        def on_attempt(attempt: int, error: UpstreamError | None, delay: float | None) -> None:
            outcome = "ok" if error is None else error.code
            # A first-attempt success is the common case and the request event already
            # names the deployment: debug. Retries and failures are what operators need.
            level = log.debug if error is None and attempt == 1 else log.info
            level(
                "upstream_attempt",
                target=name,
                attempt=attempt,
                outcome=outcome,
                upstream_status=error.upstream_status if error else None,
                retry_in_s=delay,
                correlation_id=correlation_id,
            )
            if self._observer is not None:
                self._observer(name, outcome)

        return call_with_resilience(
            fn,
            breaker=self.registry.get(name),
            policy=self.policy,
            deadline=deadline,
            clock=self._clock,
            sleep=self._sleep,
            rand=self._rng.random,
            on_attempt=on_attempt,
            gives_up_within=gives_up_within,
            keeps_deadline=keeps_deadline,
        )

    def report_late_failure(self, name: str, error: UpstreamError) -> None:
        """A failure after a call had already succeeded (a stream broken mid-way)."""
        if not error.provider_fault:
            return
        log.warning("late_failure", target=name, outcome=error.code)
        if self._observer is not None:
            self._observer(name, error.code)
        breaker = self.registry.get(name)
        permit = breaker.try_acquire()
        if permit is not None:  # an open breaker already knows
            breaker.record(permit, duration=0.0, error=error)

    def snapshot(self) -> dict[str, Any]:
        return {name: snap.as_dict() for name, snap in self.registry.snapshot().items()}
