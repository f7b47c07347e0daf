from __future__ import annotations

import asyncio
import json

import pytest

from airouter.errors import UpstreamBadResponse, UpstreamRejected, UpstreamServerError
from airouter.resilience.breaker import BreakerConfig, BreakerStatus
from airouter.resilience.circuit import BreakerRegistry, CircuitBreaker, Permit
from tests.resilience.fakes import FakeClock

CLOSED, OPEN, HALF_OPEN = BreakerStatus.CLOSED, BreakerStatus.OPEN, BreakerStatus.HALF_OPEN
TRIP_AT_2 = BreakerConfig(consecutive_failures=2, open_wait=30)
Event = tuple[str, BreakerStatus, BreakerStatus, str]


def fail(breaker: CircuitBreaker, times: int = 1) -> None:
    for _ in range(times):
        permit = breaker.try_acquire()
        assert permit is not None
        breaker.record(permit, duration=0.1, error=UpstreamServerError("503", deployment="d"))


def succeed(breaker: CircuitBreaker) -> None:
    permit = breaker.try_acquire()
    assert permit is not None
    breaker.record(permit, duration=0.1)


def test_listeners_hear_every_transition_with_its_reason() -> None:
    clock, heard = FakeClock(), []
    breaker = CircuitBreaker("d", TRIP_AT_2, clock=clock, listeners=[lambda *e: heard.append(e)])
    fail(breaker, 2)
    clock.advance(30)
    succeed(breaker)
    assert heard == [
        ("d", CLOSED, OPEN, "2 consecutive failures"),
        ("d", OPEN, HALF_OPEN, "open wait of 30s elapsed"),
        ("d", HALF_OPEN, CLOSED, "1 trial call(s) succeeded"),
    ]


def test_state_reads_half_open_once_the_wait_is_over() -> None:
    clock, heard = FakeClock(), []
    breaker = CircuitBreaker("d", TRIP_AT_2, clock=clock, listeners=[lambda *e: heard.append(e)])
    fail(breaker, 2)
    assert breaker.state is OPEN
    clock.advance(30)
    assert breaker.state is HALF_OPEN
    assert breaker.state is HALF_OPEN
    assert len(heard) == 2  # the time-driven transition is announced once


def test_an_open_breaker_refuses_and_says_how_long_for() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("d", TRIP_AT_2, clock=clock)
    fail(breaker, 2)
    clock.advance(12)
    assert breaker.try_acquire() is None
    assert breaker.remaining_wait() == 18


def test_snapshot_reports_what_ready_shows() -> None:
    clock = FakeClock(now=500.0)
    breaker = CircuitBreaker("d", BreakerConfig(consecutive_failures=None), clock=clock)
    fail(breaker, 3)
    succeed(breaker)
    snap = breaker.snapshot()
    assert (snap.name, snap.state, snap.calls_in_window, snap.failures_in_window) == (
        "d",
        CLOSED,
        4,
        3,
    )
    assert snap.failure_rate == 0.75
    assert (snap.opened_at, snap.remaining_wait, snap.consecutive_failures) == (None, 0.0, 0)


def test_snapshot_of_an_open_breaker_counts_down_and_serialises() -> None:
    clock = FakeClock(now=500.0)
    breaker = CircuitBreaker("d", TRIP_AT_2, clock=clock)
    fail(breaker, 2)
    clock.advance(10)
    data = breaker.snapshot().as_dict()
    assert json.loads(json.dumps(data)) == data
    assert (data["state"], data["opened_at"], data["remaining_wait"]) == ("open", 500.0, 20.0)


def test_a_caller_fault_counts_neither_way_and_a_bad_response_counts() -> None:
    breaker = CircuitBreaker("d", BreakerConfig(consecutive_failures=None), clock=FakeClock())
    for error in (
        UpstreamRejected("400", deployment="d"),
        UpstreamBadResponse("?", deployment="d"),
    ):
        permit = breaker.try_acquire()
        assert permit is not None
        breaker.record(permit, duration=0.1, error=error)
    snap = breaker.snapshot()
    assert (snap.calls_in_window, snap.failures_in_window) == (1, 1)


def test_a_cancelled_trial_hands_its_slot_back() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("d", TRIP_AT_2, clock=clock)
    fail(breaker, 2)
    clock.advance(30)
    permit = breaker.try_acquire()
    assert permit is not None
    assert breaker.try_acquire() is None
    breaker.record(permit, duration=1.0, error=asyncio.CancelledError())
    assert breaker.snapshot().trials_in_flight == 0
    assert breaker.try_acquire() is not None


def test_a_raising_listener_does_not_strand_a_trial_slot() -> None:
    clock = FakeClock()

    def fragile(name: str, old: BreakerStatus, new: BreakerStatus, reason: str) -> None:
        if new is HALF_OPEN:
            raise RuntimeError("listener bug")

    breaker = CircuitBreaker("d", TRIP_AT_2, clock=clock, listeners=[fragile])
    fail(breaker, 2)
    clock.advance(30)
    with pytest.raises(RuntimeError, match="listener bug"):
        breaker.try_acquire()
    assert breaker.try_acquire() is not None  # the slot was not taken by the failed call


def test_a_permit_only_fits_the_breaker_that_gave_it() -> None:
    breaker = CircuitBreaker("d", clock=FakeClock())
    with pytest.raises(ValueError, match="permit of breaker 'other'"):
        breaker.record(Permit("other", 0), duration=0.1)


def test_registry_builds_one_breaker_per_name_with_its_override() -> None:
    clock, heard = FakeClock(), []
    strict = BreakerConfig(consecutive_failures=1)
    registry = BreakerRegistry(
        TRIP_AT_2,
        overrides={"fragile": strict},
        clock=clock,
        listeners=[lambda *e: heard.append(e)],
    )
    assert registry.get("a") is registry.get("a")
    assert registry.get("a").config == TRIP_AT_2
    assert registry.get("fragile").config == strict
    fail(registry.get("fragile"))
    assert heard == [("fragile", CLOSED, OPEN, "1 consecutive failures")]
    snaps = registry.snapshot()
    assert list(snaps) == ["a", "fragile"]
    assert (snaps["a"].state, snaps["fragile"].state) == (CLOSED, OPEN)


def test_registry_defaults_to_the_documented_config() -> None:
    assert BreakerRegistry().get("x").config == BreakerConfig()
