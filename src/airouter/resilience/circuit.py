"""The stateful face of the breaker: one current state per deployment, and a registry.

`CircuitBreaker` only holds the current `BreakerState`, asks the pure functions of
`breaker.py` what each event does to it, and tells listeners about transitions.
Its methods never await, so under asyncio each event is applied atomically.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from airouter.resilience import breaker as machine
from airouter.resilience.breaker import BreakerConfig, BreakerState, BreakerStatus, Step

Clock = Callable[[], float]
BreakerListener = Callable[[str, BreakerStatus, BreakerStatus, str], None]
"""Called as (breaker name, old status, new status, reason) after each transition."""


@dataclass(frozen=True, slots=True)
class Permit:
    """Leave to make one call; hand it back with the call's outcome."""

    breaker: str
    generation: int


@dataclass(frozen=True, slots=True)
class BreakerSnapshot:
    """What `/ready` shows of one breaker. Times are in the breaker clock's seconds."""

    name: str
    state: BreakerStatus
    failure_rate: float
    calls_in_window: int
    failures_in_window: int
    consecutive_failures: int
    opened_at: float | None
    remaining_wait: float
    trials_in_flight: int

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "state": self.state.value}


def describe(name: str, config: BreakerConfig, state: BreakerState, now: float) -> BreakerSnapshot:
    totals = state.window.totals(now)
    return BreakerSnapshot(
        name=name,
        state=state.status,
        failure_rate=totals.failure_rate,
        calls_in_window=totals.calls,
        failures_in_window=totals.failures,
        consecutive_failures=state.streak,
        opened_at=state.opened_at,
        remaining_wait=machine.remaining_wait(config, state, now),
        trials_in_flight=state.trials_in_flight,
    )


class CircuitBreaker:
    """One deployment's breaker: the current state, the clock, the listeners."""

    def __init__(
        self,
        name: str,
        config: BreakerConfig | None = None,
        *,
        clock: Clock = time.monotonic,
        listeners: Iterable[BreakerListener] = (),
    ) -> None:
        self.name = name
        self.config = config or BreakerConfig()
        self._clock = clock
        self._listeners = tuple(listeners)
        self._state = machine.initial_state(self.config)

    @property
    def state(self) -> BreakerStatus:
        """The status now (an OPEN breaker whose wait is over reads HALF_OPEN)."""
        return self._tick().status

    def try_acquire(self) -> Permit | None:
        """A permit for one call, or None when the breaker refuses it."""
        state = self._state
        if state.status is BreakerStatus.CLOSED:  # the usual case: nothing time-driven to do
            return Permit(self.name, state.generation)
        # Time-driven transitions (and their listeners) happen before a trial slot is
        # taken, so a listener that raises cannot leave a slot taken with no permit out.
        self._tick()
        permitted, step = machine.acquire(self.config, self._state, self._clock())
        self._apply(step)
        return Permit(self.name, step.state.generation) if permitted else None

    def record(
        self, permit: Permit, *, duration: float, error: BaseException | None = None
    ) -> None:
        """The outcome of a permitted call: a success (no error), a failure, or ignored."""
        if permit.breaker != self.name:
            raise ValueError(f"permit of breaker {permit.breaker!r} given to {self.name!r}")
        now, gen = self._clock(), permit.generation
        if error is None:
            step = machine.on_success(self.config, self._state, now, gen, duration)
        elif machine.is_failure(error):
            step = machine.on_failure(self.config, self._state, now, gen)
        else:
            step = machine.on_ignored(self.config, self._state, now, gen)
        self._apply(step)

    def remaining_wait(self) -> float:
        return machine.remaining_wait(self.config, self._tick(), self._clock())

    def snapshot(self) -> BreakerSnapshot:
        state = self._tick()
        return describe(self.name, self.config, state, self._clock())

    def _tick(self) -> BreakerState:
        self._apply(machine.tick(self.config, self._state, self._clock()))
        return self._state

    def _apply(self, step: Step) -> None:
        self._state = step.state
        if step.transition is not None:
            t = step.transition
            for listener in self._listeners:
                listener(self.name, t.old, t.new, t.reason)


class BreakerRegistry:
    """One breaker per name, built on first use from a shared config or its override."""

    def __init__(
        self,
        config: BreakerConfig | None = None,
        *,
        overrides: Mapping[str, BreakerConfig] | None = None,
        clock: Clock = time.monotonic,
        listeners: Iterable[BreakerListener] = (),
    ) -> None:
        self.config = config or BreakerConfig()
        self._overrides = dict(overrides or {})
        self._clock = clock
        self._listeners = tuple(listeners)
        self._breakers: dict[str, CircuitBreaker] = {}

    def get(self, name: str) -> CircuitBreaker:
        found = self._breakers.get(name)
        if found is None:
            config = self._overrides.get(name, self.config)
            found = CircuitBreaker(name, config, clock=self._clock, listeners=self._listeners)
            self._breakers[name] = found
        return found

    def snapshot(self) -> dict[str, BreakerSnapshot]:
        """Every breaker created so far, by name."""
        return {name: b.snapshot() for name, b in sorted(self._breakers.items())}
