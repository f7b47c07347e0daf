"""The circuit breaker's state machine: pure functions from (state, event, time) to state.

Why not a library: pybreaker, aiobreaker, purgatory and circuitbreaker trip on a
count of failures; none keeps a failure *rate* over a time window with asyncio,
which is what bursts of 429/503 call for. These are resilience4j's semantics, small:

    CLOSED ──failure rate ≥ threshold (over ≥ minimum_calls), or N failures in a row──▶ OPEN
    OPEN ──open_wait elapsed (seen at the next look or call)──▶ HALF_OPEN
    HALF_OPEN ──every one of the half_open_trials succeeded──▶ CLOSED
    HALF_OPEN ──any trial failed──▶ OPEN

A failure is a provider-attributable error (`UpstreamError.provider_fault`) or a
call slower than `slow_call_threshold`, even a successful one. Any other error (a
caller's fault such as `UpstreamRejected`, a cancellation, a bug) is *ignored*: it
is neither a success nor a failure, and only hands a half-open trial slot back.

Every transition starts a new *generation* with a fresh window. A permit carries
the generation it was granted in, and an outcome from an older generation is
dropped, so a slow call admitted before the breaker opened cannot pose as a trial.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from enum import StrEnum

from airouter.errors import UpstreamError
from airouter.resilience.window import SlidingWindow


class BreakerStatus(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True, slots=True)
class BreakerConfig:
    """How one breaker judges its deployment; docs/resilience.md explains each field."""

    window_seconds: float = 60.0
    window_buckets: int = 60
    failure_rate_threshold: float = 0.5
    minimum_calls: int = 10
    consecutive_failures: int | None = 5
    slow_call_threshold: float = 30.0
    open_wait: float = 30.0
    half_open_trials: int = 1

    def __post_init__(self) -> None:
        SlidingWindow(self.window_seconds, self.window_buckets)  # validates both
        if not 0 < self.failure_rate_threshold <= 1:
            raise ValueError("failure_rate_threshold must be in (0, 1]")
        if self.minimum_calls < 1:
            raise ValueError("minimum_calls must be at least 1")
        if self.consecutive_failures is not None and self.consecutive_failures < 1:
            raise ValueError("consecutive_failures must be at least 1, or None to disable it")
        for name in ("slow_call_threshold", "open_wait"):
            value = getattr(self, name)
            if not (value > 0 and math.isfinite(value)):
                raise ValueError(f"{name} must be a positive number of seconds")
        if self.half_open_trials < 1:
            raise ValueError("half_open_trials must be at least 1")

    def empty_window(self) -> SlidingWindow:
        return SlidingWindow(self.window_seconds, self.window_buckets)


@dataclass(frozen=True, slots=True)
class BreakerState:
    """Everything a breaker knows; `streak` is consecutive failures while CLOSED."""

    status: BreakerStatus
    window: SlidingWindow
    generation: int = 0
    streak: int = 0
    opened_at: float | None = None
    trials_granted: int = 0
    trials_succeeded: int = 0

    @property
    def trials_in_flight(self) -> int:
        return self.trials_granted - self.trials_succeeded


@dataclass(frozen=True, slots=True)
class Transition:
    old: BreakerStatus
    new: BreakerStatus
    reason: str


@dataclass(frozen=True, slots=True)
class Step:
    """The state after one event, and the transition the event caused, if any."""

    state: BreakerState
    transition: Transition | None = None


def initial_state(config: BreakerConfig) -> BreakerState:
    return BreakerState(BreakerStatus.CLOSED, config.empty_window())


def is_failure(error: BaseException) -> bool:
    """Whether an error counts against the deployment (the provider's fault)."""
    return isinstance(error, UpstreamError) and error.provider_fault


def tick(config: BreakerConfig, state: BreakerState, now: float) -> Step:
    """Let time pass: an OPEN breaker whose wait is over becomes HALF_OPEN."""
    if state.status is BreakerStatus.OPEN and remaining_wait(config, state, now) <= 0:
        reason = f"open wait of {config.open_wait:g}s elapsed"
        return _move(config, state, BreakerStatus.HALF_OPEN, now, reason)
    return Step(state)


def acquire(config: BreakerConfig, state: BreakerState, now: float) -> tuple[bool, Step]:
    """May a call go ahead now? A granted half-open call takes one trial slot."""
    step = tick(config, state, now)
    current = step.state
    if current.status is BreakerStatus.CLOSED:
        return True, step
    if (
        current.status is BreakerStatus.HALF_OPEN
        and current.trials_granted < config.half_open_trials
    ):
        taken = replace(current, trials_granted=current.trials_granted + 1)
        return True, replace(step, state=taken)
    return False, step


def on_success(
    config: BreakerConfig, state: BreakerState, now: float, generation: int, duration: float
) -> Step:
    """A permitted call answered after `duration` seconds."""
    if generation != state.generation:
        return Step(state)
    if duration >= config.slow_call_threshold:
        return _failed(config, state, now, f"slow call ({duration:.3g}s)")
    if state.status is BreakerStatus.HALF_OPEN:
        return _trial_succeeded(config, state, now)
    if state.status is BreakerStatus.CLOSED:
        recorded = _with_window(state, state.window.record(now, failed=False), streak=0)
        return _judge(config, recorded, now)
    return Step(state)


def on_failure(config: BreakerConfig, state: BreakerState, now: float, generation: int) -> Step:
    """A permitted call failed in a way that is the provider's fault."""
    if generation != state.generation:
        return Step(state)
    return _failed(config, state, now, "failure")


def on_ignored(config: BreakerConfig, state: BreakerState, now: float, generation: int) -> Step:
    """A permitted call ended in a way that says nothing about the provider."""
    if generation != state.generation or state.status is not BreakerStatus.HALF_OPEN:
        return Step(state)
    return Step(replace(state, trials_granted=max(0, state.trials_granted - 1)))


def remaining_wait(config: BreakerConfig, state: BreakerState, now: float) -> float:
    """Seconds until an OPEN breaker lets a trial through; 0.0 in any other state."""
    if state.status is not BreakerStatus.OPEN or state.opened_at is None:
        return 0.0
    return max(0.0, state.opened_at + config.open_wait - now)


def trip_reason(config: BreakerConfig, state: BreakerState, now: float) -> str | None:
    """Why a CLOSED breaker should open now, or None if it should not."""
    limit = config.consecutive_failures
    if limit is not None and state.streak >= limit:
        return f"{state.streak} consecutive failures"
    totals = state.window.totals(now)
    if (
        totals.calls >= config.minimum_calls
        and totals.failure_rate >= config.failure_rate_threshold
    ):
        return (
            f"failure rate {totals.failure_rate:.0%} over {totals.calls} calls"
            f" reached {config.failure_rate_threshold:.0%}"
        )
    return None


def _failed(config: BreakerConfig, state: BreakerState, now: float, what: str) -> Step:
    if state.status is BreakerStatus.HALF_OPEN:
        return _move(config, state, BreakerStatus.OPEN, now, f"trial call failed: {what}")
    if state.status is BreakerStatus.CLOSED:
        window = state.window.record(now, failed=True)
        return _judge(config, _with_window(state, window, streak=state.streak + 1), now)
    return Step(state)


def _trial_succeeded(config: BreakerConfig, state: BreakerState, now: float) -> Step:
    succeeded = state.trials_succeeded + 1
    if succeeded >= config.half_open_trials:
        reason = f"{succeeded} trial call(s) succeeded"
        return _move(config, state, BreakerStatus.CLOSED, now, reason)
    return Step(replace(state, trials_succeeded=succeeded))


def _with_window(state: BreakerState, window: SlidingWindow, *, streak: int) -> BreakerState:
    """`state` with one more outcome recorded: dataclasses.replace spelled out, because
    this runs on every call to a deployment and replace() re-reads the field list."""
    return BreakerState(
        status=state.status,
        window=window,
        generation=state.generation,
        streak=streak,
        opened_at=state.opened_at,
        trials_granted=state.trials_granted,
        trials_succeeded=state.trials_succeeded,
    )


def _judge(config: BreakerConfig, state: BreakerState, now: float) -> Step:
    reason = trip_reason(config, state, now)
    if reason is None:
        return Step(state)
    return _move(config, state, BreakerStatus.OPEN, now, reason)


def _move(
    config: BreakerConfig, state: BreakerState, new: BreakerStatus, now: float, reason: str
) -> Step:
    fresh = BreakerState(
        status=new,
        window=config.empty_window(),
        generation=state.generation + 1,
        opened_at=now if new is BreakerStatus.OPEN else None,
    )
    return Step(fresh, Transition(state.status, new, reason))
