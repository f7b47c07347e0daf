from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from airouter.errors import (
    CircuitOpen,
    UpstreamBadResponse,
    UpstreamConnectionError,
    UpstreamRateLimited,
    UpstreamRejected,
    UpstreamServerError,
    UpstreamTimeout,
)
from airouter.resilience.breaker import (
    BreakerConfig,
    BreakerState,
    BreakerStatus,
    Step,
    Transition,
    acquire,
    initial_state,
    is_failure,
    on_failure,
    on_ignored,
    on_success,
    remaining_wait,
    tick,
)

CLOSED, OPEN, HALF_OPEN = BreakerStatus.CLOSED, BreakerStatus.OPEN, BreakerStatus.HALF_OPEN
RATE_ONLY = BreakerConfig(consecutive_failures=None)


def call(cfg: BreakerConfig, state: BreakerState, now: float, outcome: str) -> Step:
    """Acquire a permit and report one outcome: s(uccess), f(ailure), w (slow), i(gnored)."""
    permitted, step = acquire(cfg, state, now)
    assert permitted
    gen = step.state.generation
    if outcome == "s":
        return on_success(cfg, step.state, now, gen, 0.1)
    if outcome == "w":
        return on_success(cfg, step.state, now, gen, cfg.slow_call_threshold)
    if outcome == "f":
        return on_failure(cfg, step.state, now, gen)
    return on_ignored(cfg, step.state, now, gen)


def run(cfg: BreakerConfig, outcomes: str, now: float = 0.0) -> BreakerState:
    state = initial_state(cfg)
    for outcome in outcomes:
        state = call(cfg, state, now, outcome).state
    return state


def opened(cfg: BreakerConfig, at: float = 0.0) -> BreakerState:
    """A breaker tripped by failures at time `at`."""
    state = initial_state(cfg)
    while state.status is CLOSED:
        state = call(cfg, state, at, "f").state
    return state


# -- CLOSED ---------------------------------------------------------------------------


def test_opens_when_the_failure_rate_reaches_the_threshold_at_minimum_calls() -> None:
    nine = run(RATE_ONLY, "fsfsfsfsf")  # 5 of 9 failed, but 9 < minimum_calls
    assert nine.status is CLOSED
    step = call(RATE_ONLY, nine, 0.0, "s")  # 5 of 10: exactly 50 %
    assert step.state.status is OPEN
    assert step.transition is not None
    assert step.transition.reason == "failure rate 50% over 10 calls reached 50%"


def test_stays_closed_below_the_failure_rate_threshold() -> None:
    assert run(RATE_ONLY, "fss" * 10).status is CLOSED  # one in three, at every point


def test_consecutive_failures_trip_before_minimum_calls() -> None:
    cfg = BreakerConfig(consecutive_failures=5)
    assert run(cfg, "ffff").status is CLOSED
    state = run(cfg, "fffff")
    assert state.status is OPEN


def test_a_success_resets_the_consecutive_failure_streak() -> None:
    cfg = BreakerConfig(consecutive_failures=3, minimum_calls=100)
    assert run(cfg, "ffsffsffs").status is CLOSED


def test_consecutive_trip_is_disabled_by_none() -> None:
    assert (
        run(BreakerConfig(consecutive_failures=None, minimum_calls=50), "f" * 49).status is CLOSED
    )


def test_a_slow_success_counts_as_a_failure() -> None:
    cfg = BreakerConfig(consecutive_failures=2, slow_call_threshold=30)
    assert run(cfg, "ww").status is OPEN
    state = initial_state(cfg)
    for _ in range(3):
        _, step = acquire(cfg, state, 0.0)
        state = on_success(cfg, step.state, 0.0, step.state.generation, 29.9).state
    assert state.status is CLOSED


def test_ignored_outcomes_count_as_neither_success_nor_failure() -> None:
    state = run(BreakerConfig(consecutive_failures=3), "ffiiiii")
    assert state.window.totals(0.0).calls == 2
    assert state.streak == 2


def test_old_outcomes_age_out_of_the_window() -> None:
    cfg = BreakerConfig(consecutive_failures=None, minimum_calls=10)
    state = run(cfg, "sffffffff", now=0.0)  # 8 of 9 failed
    assert call(cfg, state, 60.0, "f").state.status is CLOSED  # the first nine have expired


# -- OPEN and HALF_OPEN ---------------------------------------------------------------


def test_open_refuses_every_call_until_the_wait_has_elapsed() -> None:
    cfg = BreakerConfig(open_wait=30)
    state = opened(cfg, at=100.0)
    assert remaining_wait(cfg, state, 110.0) == 20.0
    permitted, step = acquire(cfg, state, 129.999)
    assert not permitted
    assert step.state.status is OPEN
    permitted, step = acquire(cfg, state, 130.0)
    assert permitted
    assert step.transition == Transition(OPEN, HALF_OPEN, "open wait of 30s elapsed")


def test_time_alone_moves_open_to_half_open() -> None:
    cfg = BreakerConfig(open_wait=30)
    state = opened(cfg)
    assert tick(cfg, state, 29.0).transition is None
    assert tick(cfg, state, 30.0).state.status is HALF_OPEN


@pytest.mark.parametrize("trials", [1, 2, 3])
def test_half_open_admits_exactly_n_trials_and_rejects_the_rest(trials: int) -> None:
    cfg = BreakerConfig(half_open_trials=trials, open_wait=30)
    state = opened(cfg)
    granted = 0
    for _ in range(trials + 3):
        permitted, step = acquire(cfg, state, 30.0)
        state = step.state
        granted += permitted
    assert granted == trials
    assert state.status is HALF_OPEN


@pytest.mark.parametrize("trials", [1, 3])
def test_all_trials_succeeding_closes_with_a_fresh_window(trials: int) -> None:
    cfg = BreakerConfig(half_open_trials=trials, open_wait=30)
    state = opened(cfg)
    gens: list[int] = []
    for _ in range(trials):
        _, step = acquire(cfg, state, 30.0)
        state = step.state
        gens.append(state.generation)
    for i, gen in enumerate(gens):
        step = on_success(cfg, state, 31.0, gen, 0.1)
        state = step.state
        assert (state.status is CLOSED) == (i == trials - 1)
    assert state.window.totals(31.0).calls == 0
    assert state.streak == 0


@pytest.mark.parametrize("outcome", ["f", "w"])
def test_any_trial_failure_reopens_from_now(outcome: str) -> None:
    cfg = BreakerConfig(half_open_trials=2, open_wait=30)
    state = call(cfg, opened(cfg), 35.0, "s").state
    step = call(cfg, state, 36.0, outcome)
    assert step.state.status is OPEN
    assert step.state.opened_at == 36.0
    assert remaining_wait(cfg, step.state, 36.0) == 30.0


def test_an_ignored_trial_hands_its_slot_back() -> None:
    cfg = BreakerConfig(half_open_trials=1)
    _, step = acquire(cfg, opened(cfg), 30.0)
    state = on_ignored(cfg, step.state, 30.0, step.state.generation).state
    assert state.status is HALF_OPEN
    assert acquire(cfg, state, 30.0)[0]


def test_an_outcome_from_an_older_generation_is_dropped() -> None:
    cfg = BreakerConfig(consecutive_failures=1)
    _, early = acquire(cfg, initial_state(cfg), 0.0)  # admitted while CLOSED, still in flight
    stale = early.state.generation
    state = call(cfg, early.state, 0.0, "f").state  # another call trips the breaker
    _, trial = acquire(cfg, state, 30.0)
    assert trial.state.status is HALF_OPEN
    after = on_success(cfg, trial.state, 31.0, stale, 0.1)
    assert after.state == trial.state  # the old call's success is not a trial's
    assert on_failure(cfg, trial.state, 31.0, stale).state == trial.state


@pytest.mark.parametrize(
    ("error", "counts"),
    [
        (UpstreamTimeout("t", deployment="d"), True),
        (UpstreamConnectionError("c", deployment="d"), True),
        (UpstreamRateLimited("r", deployment="d"), True),
        (UpstreamServerError("s", deployment="d"), True),
        (UpstreamBadResponse("b", deployment="d"), True),
        (UpstreamRejected("caller's fault", deployment="d"), False),
        (CircuitOpen("o", deployment="d"), False),
        (ValueError("a bug"), False),
        (asyncio.CancelledError(), False),
    ],
)
def test_only_provider_faults_count_as_failures(error: BaseException, counts: bool) -> None:
    assert is_failure(error) is counts


@pytest.mark.parametrize(
    "changes",
    [
        {"failure_rate_threshold": 0.0},
        {"failure_rate_threshold": 1.5},
        {"minimum_calls": 0},
        {"consecutive_failures": 0},
        {"slow_call_threshold": 0.0},
        {"open_wait": math.nan},
        {"half_open_trials": 0},
        {"window_seconds": 0.0},
        {"window_buckets": 0},
    ],
)
def test_rejects_a_config_that_cannot_work(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each field has its own message
        replace(BreakerConfig(), **changes)


# -- Property 8: the state machine against a reference model --------------------------


@dataclass
class Reference:
    """The breaker's rules written out plainly over the raw log of outcomes."""

    cfg: BreakerConfig
    status: BreakerStatus = CLOSED
    gen: int = 0
    log: list[tuple[float, bool]] = field(default_factory=list)  # since the last transition
    opened_at: float = -math.inf
    granted: int = 0
    succeeded: int = 0

    def move(self, status: BreakerStatus, now: float) -> None:
        self.status, self.gen, self.log = status, self.gen + 1, []
        self.granted = self.succeeded = 0
        if status is OPEN:
            self.opened_at = now

    def look(self, now: float) -> None:
        if self.status is OPEN and now - self.opened_at >= self.cfg.open_wait:
            self.move(HALF_OPEN, now)

    def acquire(self, now: float) -> bool:
        self.look(now)
        if self.status is CLOSED:
            return True
        if self.status is HALF_OPEN and self.granted < self.cfg.half_open_trials:
            self.granted += 1
            return True
        return False

    def outcome(self, gen: int, kind: str, now: float) -> None:
        if gen != self.gen:
            return
        if kind == "ignored":
            self.granted -= self.status is HALF_OPEN
            return
        failed = kind in ("failure", "slow")
        if self.status is HALF_OPEN:
            self.succeeded += not failed
            if failed:
                self.move(OPEN, now)
            elif self.succeeded == self.cfg.half_open_trials:
                self.move(CLOSED, now)
        elif self.status is CLOSED:
            self.log.append((now, failed))
            if self.should_trip(now):
                self.move(OPEN, now)

    def should_trip(self, now: float) -> bool:
        calls, failures = self.window(now)
        in_a_row = len(self.log) - max(
            (i + 1 for i, (_, failed) in enumerate(self.log) if not failed), default=0
        )
        limit = self.cfg.consecutive_failures
        by_streak = limit is not None and in_a_row >= limit
        by_rate = (
            calls >= self.cfg.minimum_calls and failures / calls >= self.cfg.failure_rate_threshold
        )
        return by_streak or by_rate

    def window(self, now: float) -> tuple[int, int]:
        n, span = self.cfg.window_buckets, self.cfg.window_seconds
        oldest = math.floor(now * n / span) - n + 1
        live = [failed for t, failed in self.log if math.floor(t * n / span) >= oldest]
        return len(live), sum(live)


configs = st.builds(
    BreakerConfig,
    window_seconds=st.sampled_from([5.0, 10.0, 60.0]),
    window_buckets=st.integers(1, 10),
    failure_rate_threshold=st.sampled_from([0.25, 0.5, 0.75, 1.0]),
    minimum_calls=st.integers(1, 6),
    consecutive_failures=st.none() | st.integers(1, 4),
    slow_call_threshold=st.just(5.0),
    open_wait=st.sampled_from([1.0, 3.0, 10.0]),
    half_open_trials=st.integers(1, 3),
)
OUTCOMES = st.sampled_from(["success", "success", "failure", "failure", "slow", "ignored"])
events = st.lists(
    st.one_of(
        st.tuples(st.just("advance"), st.integers(0, 24).map(lambda x: x / 2), st.just("")),
        st.tuples(st.just("look"), st.just(0), st.just("")),
        st.tuples(st.just("acquire"), st.just(0), st.just("")),  # a call starts, stays in flight
        st.tuples(st.just("end"), st.integers(0, 9), OUTCOMES),  # a call in flight ends
        st.tuples(st.just("call"), st.just(0), OUTCOMES),  # a call starts and ends at once
        st.tuples(st.just("call"), st.just(0), st.just("success")),  # (weights recovery up)
        st.tuples(st.just("advance"), st.just(10.0), st.just("")),  # (past every open_wait)
    ),
    min_size=5,
    max_size=150,
)
ALLOWED = {(CLOSED, OPEN), (OPEN, HALF_OPEN), (HALF_OPEN, CLOSED), (HALF_OPEN, OPEN)}


@dataclass
class Harness:
    """Feeds the same events to the pure machine and the reference, checking each step."""

    cfg: BreakerConfig
    now: float = 0.0
    in_flight: list[int] = field(default_factory=list)  # generations of unreported permits

    def __post_init__(self) -> None:
        self.state, self.ref = initial_state(self.cfg), Reference(self.cfg)

    def look(self) -> None:
        self.ref.look(self.now)
        self.check(tick(self.cfg, self.state, self.now))

    def acquire(self) -> int | None:
        before = self.state
        permitted, step = acquire(self.cfg, before, self.now)
        assert permitted == self.ref.acquire(self.now)
        if permitted and before.status is OPEN:
            assert before.opened_at is not None
            assert self.now - before.opened_at >= self.cfg.open_wait  # never before the wait
        self.check(step)
        return step.state.generation if permitted else None

    def end(self, gen: int, outcome: str) -> None:
        self.ref.outcome(gen, outcome, self.now)
        self.check(record(self.cfg, self.state, self.now, gen, outcome))

    def check(self, step: Step) -> None:
        before, self.state = self.state, step.state
        if step.transition is None:
            assert self.state.status is before.status
        else:
            event(f"{step.transition.old} -> {step.transition.new}")
            assert (step.transition.old, step.transition.new) in ALLOWED
            assert step.transition.old is before.status
        assert (self.state.status, self.state.generation) == (self.ref.status, self.ref.gen)
        totals = self.state.window.totals(self.now)
        assert (totals.calls, totals.failures) == self.ref.window(self.now)
        trials = self.cfg.half_open_trials
        assert 0 <= self.state.trials_in_flight <= self.state.trials_granted <= trials


@settings(max_examples=300)
@given(cfg=configs, script=events)
def test_random_event_sequences_follow_the_reference_model(
    cfg: BreakerConfig, script: list[tuple[str, float, str]]
) -> None:
    h = Harness(cfg)
    for kind, arg, outcome in script:
        if kind == "advance":
            h.now += arg
        elif kind == "look":
            h.look()
        elif kind == "acquire" and (gen := h.acquire()) is not None:
            h.in_flight.append(gen)
        elif kind == "end" and h.in_flight:
            h.end(h.in_flight.pop(int(arg) % len(h.in_flight)), outcome)
        elif kind == "call" and (gen := h.acquire()) is not None:
            h.end(gen, outcome)


def record(cfg: BreakerConfig, state: BreakerState, now: float, gen: int, kind: str) -> Step:
    if kind == "success":
        return on_success(cfg, state, now, gen, 0.1)
    if kind == "slow":
        return on_success(cfg, state, now, gen, cfg.slow_call_threshold)
    if kind == "failure":
        return on_failure(cfg, state, now, gen)
    return on_ignored(cfg, state, now, gen)
