"""The thin async driver: one deployment call under a deadline, its breaker and retries.

The only code here that awaits; every decision is made by `retry.decide()` and the
breaker's state machine. Each attempt goes:

    breaker.try_acquire() ── refused ──▶ CircuitOpen (first attempt) / last error (a retry)
    fn() bounded by the time left before the deadline ── expired ──▶ UpstreamTimeout
         (no bound of ours when fn gives up by itself before it: `gives_up_within`,
          `keeps_deadline`)
    breaker.record(outcome)  ← every outcome, before anything else looks at it
    decide() ── RetryAfter(d) ──▶ sleep(d), next attempt
             └─ GiveUp ──▶ re-raise the last upstream error, unchanged

The breaker sees each attempt, not each request: a request that fails four times
counts four failures. Errors other than `UpstreamError` (bugs, cancellation) are
not retried; they hand back the breaker permit without counting and propagate.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from airouter.errors import CircuitOpen, UpstreamError, UpstreamTimeout
from airouter.resilience.circuit import CircuitBreaker, Clock, Permit
from airouter.resilience.retry import Decision, GiveUp, RetryPolicy, decide, unless_unavailable

T = TypeVar("T")
OWN_LIMIT_MARGIN = 0.05
"""Seconds an fn's own limit must leave before the deadline for the driver to trust
it: its timer starts a little after the attempt does, and its result is read after."""
Sleep = Callable[[float], Awaitable[None]]
Rand = Callable[[], float]
AttemptHook = Callable[[int, UpstreamError | None, float | None], None]
"""Told (attempt number, its error or None on success, the sleep before the next
attempt or None when there is none: success, or giving up)."""


async def call_with_resilience(
    fn: Callable[[], Awaitable[T]],
    *,
    breaker: CircuitBreaker,
    policy: RetryPolicy,
    deadline: float,
    clock: Clock = time.monotonic,
    sleep: Sleep = asyncio.sleep,
    rand: Rand = random.random,
    on_attempt: AttemptHook | None = None,
    gives_up_within: float | None = None,
    keeps_deadline: bool = False,
) -> T:
    """Call `fn` until it succeeds, the policy gives up, or the breaker refuses.

    `deadline` is absolute, on `clock` (the breaker's clock too, in production
    `time.monotonic`); neither attempts nor sleeps run past it. `rand` draws from [0, 1).
    `gives_up_within` is how many seconds `fn` waits at most before it raises an
    `UpstreamError` by itself (its own total timeout), if it has such a limit: an
    attempt with at least that long left before the deadline (and OWN_LIMIT_MARGIN)
    is not bounded again here. That bound is an `asyncio.timeout` scope, about a
    tenth of a lone request's own time (docs/benchmarks.md, "Latency at 200 req/s").
    `keeps_deadline` says `fn` was handed this same deadline and gives up by it on
    its own (the gateway's in-process router does): then no attempt is bounded here.
    """
    last: UpstreamError | None = None
    attempt = 0
    bounded = not keeps_deadline
    while True:
        attempt += 1
        permit = _admit(breaker, clock(), deadline, last)
        try:
            result = await _attempt(fn, breaker, permit, clock, deadline, bounded, gives_up_within)
        except UpstreamError as error:
            last = error
            now, draw = clock(), rand()
            choice = decide(
                policy, attempt=attempt, error=error, now=now, deadline=deadline, rand=draw
            )
            decision = unless_unavailable(choice, breaker.remaining_wait())
            if on_attempt is not None:
                on_attempt(attempt, error, _delay_of(decision))
            if isinstance(decision, GiveUp):
                raise
            await sleep(decision.delay)
        else:
            if on_attempt is not None:
                on_attempt(attempt, None, None)
            return result


def _admit(
    breaker: CircuitBreaker, now: float, deadline: float, last: UpstreamError | None
) -> Permit:
    """The breaker's permit for the next attempt, or the error that ends the call."""
    name = breaker.name
    if now >= deadline:
        raise last or UpstreamTimeout(
            f"the deadline passed before {name} was called", deployment=name
        )
    permit = breaker.try_acquire()
    if permit is None:
        wait = breaker.remaining_wait()
        raise last or CircuitOpen(
            f"the circuit breaker of {name} is open", deployment=name, retry_after=wait or None
        )
    return permit


async def _attempt(
    fn: Callable[[], Awaitable[T]],
    breaker: CircuitBreaker,
    permit: Permit,
    clock: Clock,
    deadline: float,
    bounded: bool,
    gives_up_within: float | None,
) -> T:
    started = clock()
    budget = deadline - started
    try:
        if not bounded or (
            gives_up_within is not None and gives_up_within + OWN_LIMIT_MARGIN <= budget
        ):
            result = await fn()  # it gives up by itself by the deadline
        else:
            result = await _bounded(fn, budget, breaker.name)
    except BaseException as error:
        breaker.record(permit, duration=clock() - started, error=error)
        raise
    breaker.record(permit, duration=clock() - started)
    return result


async def _bounded(fn: Callable[[], Awaitable[T]], budget: float, deployment: str) -> T:
    scope = asyncio.timeout(budget)
    try:
        async with scope:
            return await fn()
    except TimeoutError as exc:
        if not scope.expired():  # fn's own TimeoutError, not our deadline: a bug upstream of us
            raise
        message = f"{deployment} did not answer within the request's deadline"
        raise UpstreamTimeout(message, deployment=deployment) from exc


def _delay_of(decision: Decision) -> float | None:
    return None if isinstance(decision, GiveUp) else decision.delay
