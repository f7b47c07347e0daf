from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airouter.errors import (
    CircuitOpen,
    UpstreamError,
    UpstreamRateLimited,
    UpstreamRejected,
    UpstreamServerError,
    UpstreamTimeout,
)
from airouter.resilience.breaker import BreakerConfig, BreakerStatus
from airouter.resilience.circuit import CircuitBreaker
from airouter.resilience.driver import OWN_LIMIT_MARGIN, call_with_resilience
from airouter.resilience.retry import RetryPolicy, backoff_ceiling
from tests.resilience.fakes import FakeClock, Script

POLICY = RetryPolicy()  # 3 retries, 1/2/4 s
NEVER_TRIPS = BreakerConfig(consecutive_failures=None, minimum_calls=10_000)


def err503(retry_after: float | None = None) -> UpstreamServerError:
    return UpstreamServerError("503", deployment="d", upstream_status=503, retry_after=retry_after)


def rig(config: BreakerConfig = NEVER_TRIPS) -> tuple[FakeClock, CircuitBreaker]:
    clock = FakeClock()
    return clock, CircuitBreaker("d", config, clock=clock)


async def drive(
    fn: Callable[[], Awaitable[str]],
    clock: FakeClock,
    breaker: CircuitBreaker,
    *,
    policy: RetryPolicy = POLICY,
    budget: float = 90.0,
    rand: float = 0.5,
) -> str:
    return await call_with_resilience(
        fn,
        breaker=breaker,
        policy=policy,
        deadline=clock.now + budget,
        clock=clock,
        sleep=clock.sleep,
        rand=lambda: rand,
    )


async def test_succeeds_on_the_third_call_after_two_503s() -> None:
    clock, breaker = rig()
    fn = Script([err503(), err503(), "ok"], clock)
    heard: list[tuple[int, UpstreamError | None, float | None]] = []
    result = await call_with_resilience(
        fn,
        breaker=breaker,
        policy=POLICY,
        deadline=clock.now + 90,
        clock=clock,
        sleep=clock.sleep,
        rand=lambda: 0.5,
        on_attempt=lambda *a: heard.append(a),
    )
    assert (result, fn.calls, clock.sleeps) == ("ok", 3, [0.5, 1.0])
    assert [(n, type(e).__name__ if e else None, d) for n, e, d in heard] == [
        (1, "UpstreamServerError", 0.5),
        (2, "UpstreamServerError", 1.0),
        (3, None, None),
    ]
    snap = breaker.snapshot()
    assert (snap.calls_in_window, snap.failures_in_window) == (3, 2)


async def test_gives_up_after_four_attempts_with_the_last_error_unchanged() -> None:
    clock, breaker = rig()
    errors = [err503() for _ in range(4)]
    fn = Script(errors, clock)
    with pytest.raises(UpstreamServerError) as raised:
        await drive(fn, clock, breaker, rand=0.999)
    assert raised.value is errors[-1]
    assert fn.calls == 4
    assert all(s <= backoff_ceiling(POLICY, n) for n, s in enumerate(clock.sleeps, 1))


async def test_a_caller_fault_is_tried_once_and_not_held_against_the_provider() -> None:
    clock, breaker = rig()
    rejected = UpstreamRejected("400", deployment="d", upstream_status=400)
    fn = Script([rejected], clock)
    with pytest.raises(UpstreamRejected) as raised:
        await drive(fn, clock, breaker)
    assert raised.value is rejected
    assert (fn.calls, clock.sleeps, breaker.snapshot().calls_in_window) == (1, [], 0)


async def test_retry_after_sets_the_wait() -> None:
    clock, breaker = rig()
    fn = Script([UpstreamRateLimited("429", deployment="d", retry_after=5.0), "ok"], clock)
    assert await drive(fn, clock, breaker, rand=0.0) == "ok"
    assert clock.sleeps == [5.0]


async def test_retry_after_beyond_its_cap_fails_over_at_once() -> None:
    clock, breaker = rig()
    fn = Script([UpstreamRateLimited("429", deployment="d", retry_after=120.0), "ok"], clock)
    with pytest.raises(UpstreamRateLimited):
        await drive(fn, clock, breaker)
    assert (fn.calls, clock.sleeps) == (1, [])


async def test_a_bug_in_fn_propagates_untouched_and_uncounted() -> None:
    clock, breaker = rig()
    bug = KeyError("choices")
    fn = Script([bug], clock)
    with pytest.raises(KeyError) as raised:
        await drive(fn, clock, breaker)
    assert (raised.value, fn.calls, breaker.snapshot().calls_in_window) == (bug, 1, 0)


async def test_a_deadline_already_past_calls_nothing() -> None:
    clock, breaker = rig()
    fn = Script(["ok"], clock)
    with pytest.raises(UpstreamTimeout):
        await drive(fn, clock, breaker, budget=0.0)
    assert (fn.calls, breaker.snapshot().calls_in_window) == (0, 0)


async def test_a_hung_upstream_is_cut_at_the_deadline_and_counted() -> None:
    breaker = CircuitBreaker("d", NEVER_TRIPS)  # real clock: the one real wait here, 20 ms
    calls = 0

    async def hang() -> str:
        nonlocal calls
        calls += 1
        await asyncio.Event().wait()
        return "never"

    with pytest.raises(UpstreamTimeout) as raised:
        await call_with_resilience(
            hang, breaker=breaker, policy=POLICY, deadline=time.monotonic() + 0.02
        )
    assert raised.value.deployment == "d"
    assert calls == 1  # no time left to retry
    assert breaker.snapshot().failures_in_window == 1


@pytest.mark.parametrize(
    ("gives_up_within", "answered"),
    [
        (0.01, True),  # fn's own limit ends it before the deadline: no second bound
        (0.08, False),  # within the deadline, but not by OWN_LIMIT_MARGIN: bounded
        (5.0, False),  # fn might outlast the deadline: the deadline cuts it
        (None, False),  # no limit of its own: the deadline cuts it
    ],
)
async def test_the_deadline_bounds_a_call_only_when_its_own_limit_might_outlast_it(
    gives_up_within: float | None, answered: bool
) -> None:
    # Real time: fn takes 150 ms under a 100 ms deadline. An fn that declares it gives
    # up within 10 ms is taken at its word, so only a missing bound lets it answer.
    assert 0.01 + OWN_LIMIT_MARGIN <= 0.1 < 0.08 + OWN_LIMIT_MARGIN
    breaker = CircuitBreaker("d", NEVER_TRIPS)

    async def slow() -> str:
        await asyncio.sleep(0.15)
        return "late"

    call = call_with_resilience(
        slow,
        breaker=breaker,
        policy=POLICY,
        deadline=time.monotonic() + 0.1,
        gives_up_within=gives_up_within,
    )
    if answered:
        assert await call == "late"
    else:
        with pytest.raises(UpstreamTimeout):
            await call
    assert breaker.snapshot().failures_in_window == (0 if answered else 1)


async def test_an_fn_that_keeps_the_deadline_itself_is_not_bounded_again() -> None:
    # It was handed the deadline and says it gives up by it (the gateway's in-process
    # router): taken at its word, shown here by one that overruns it.
    async def slow() -> str:
        await asyncio.sleep(0.06)
        return "late"

    answer = await call_with_resilience(
        slow,
        breaker=CircuitBreaker("d", NEVER_TRIPS),
        policy=POLICY,
        deadline=time.monotonic() + 0.02,
        keeps_deadline=True,
    )
    assert answer == "late"


async def test_cancelling_the_request_hands_the_trial_slot_back() -> None:
    clock, breaker = rig(BreakerConfig(consecutive_failures=1, open_wait=30))
    with pytest.raises(UpstreamServerError):
        await drive(Script([err503()], clock), clock, breaker)
    clock.advance(30)
    started = asyncio.Event()

    async def hang() -> str:
        started.set()
        await asyncio.Event().wait()
        return "never"

    task = asyncio.create_task(
        call_with_resilience(
            hang,
            breaker=breaker,
            policy=POLICY,
            deadline=clock.now + 90,
            clock=clock,
            sleep=clock.sleep,
        )
    )
    await started.wait()
    assert breaker.snapshot().trials_in_flight == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert breaker.snapshot().trials_in_flight == 0
    assert breaker.state is BreakerStatus.HALF_OPEN


# -- the breaker sees every failure ---------------------------------------------------


async def test_an_open_breaker_refuses_without_calling_upstream() -> None:
    clock, breaker = rig(BreakerConfig(consecutive_failures=None, minimum_calls=4, open_wait=30))
    fn = Script([err503() for _ in range(4)], clock)
    with pytest.raises(UpstreamServerError):
        await drive(fn, clock, breaker, rand=0.0)
    assert breaker.state is BreakerStatus.OPEN
    clock.advance(10)
    for _ in range(3):
        with pytest.raises(CircuitOpen) as raised:
            await drive(fn, clock, breaker)
        assert (raised.value.deployment, raised.value.retry_after) == ("d", 20.0)
    assert fn.calls == 4


async def test_gives_up_at_once_when_its_own_failures_open_the_breaker() -> None:
    clock, breaker = rig(BreakerConfig(consecutive_failures=2, open_wait=30))
    errors = [err503(), err503(), err503()]
    fn = Script(errors, clock)
    with pytest.raises(UpstreamServerError) as raised:
        await drive(fn, clock, breaker)
    assert raised.value is errors[1]  # the last upstream error, not a CircuitOpen
    assert (fn.calls, clock.sleeps) == (2, [0.5])  # no sleep into an open breaker


async def test_a_retry_the_breaker_refuses_raises_the_last_upstream_error() -> None:
    clock, breaker = rig(BreakerConfig(consecutive_failures=1, open_wait=0.25))

    async def sleep_while_another_request_takes_the_trial(seconds: float) -> None:
        await clock.sleep(seconds)
        assert breaker.try_acquire() is not None

    errors = [err503(), err503()]
    fn = Script(errors, clock)
    with pytest.raises(UpstreamServerError) as raised:
        await call_with_resilience(
            fn,
            breaker=breaker,
            policy=POLICY,
            deadline=clock.now + 90,
            clock=clock,
            sleep=sleep_while_another_request_takes_the_trial,
            rand=lambda: 0.5,
        )
    assert (raised.value, fn.calls) == (errors[0], 1)


async def outage_reaches_breaker(*, swallow: bool) -> None:
    """A permanent 503 through every layer must open the breaker and stop the calls.

    The original system's retry helper never raised, so its breaker never opened.
    Any layer here that turns a failure into a value makes these assertions fail.
    """
    clock, breaker = rig(BreakerConfig(consecutive_failures=None, minimum_calls=8, open_wait=60))
    upstream = Script((err503() for _ in range(100)), clock, took=0.2)

    async def provider_layer() -> str:
        try:
            return await upstream()
        except UpstreamError:
            if swallow:
                return "default answer"
            raise

    outcomes = []
    for _ in range(5):
        try:
            outcomes.append(await drive(provider_layer, clock, breaker))
        except UpstreamError as exc:
            outcomes.append(type(exc).__name__)
    assert outcomes == ["UpstreamServerError"] * 2 + ["CircuitOpen"] * 3
    assert upstream.calls == 8  # 2 requests x 4 attempts, then the breaker cut it off


async def test_every_upstream_failure_reaches_the_breaker() -> None:
    await outage_reaches_breaker(swallow=False)


async def test_the_regression_check_catches_a_layer_that_swallows_failures() -> None:
    with pytest.raises(AssertionError):
        await outage_reaches_breaker(swallow=True)


async def test_each_failed_attempt_counts_not_each_request() -> None:
    clock, breaker = rig()
    fn = Script([err503() for _ in range(4)], clock)
    with contextlib.suppress(UpstreamServerError):
        await drive(fn, clock, breaker)
    snap = breaker.snapshot()
    assert (snap.calls_in_window, snap.failures_in_window) == (4, 4) == (fn.calls, fn.calls)


# -- Property 7: the deadline holds ---------------------------------------------------


@given(
    policy=st.builds(
        RetryPolicy,
        max_retries=st.integers(0, 6),
        base=st.floats(0, 3),
        factor=st.floats(1, 3),
        max_backoff=st.floats(0, 30),
    ),
    budget=st.floats(0.01, 30),
    durations=st.lists(st.floats(0, 10), min_size=1, max_size=8),
    retry_after=st.none() | st.floats(0, 60),
    rand=st.floats(0, 1, exclude_max=True),
)
def test_sleeps_plus_attempts_never_pass_the_deadline(
    policy: RetryPolicy,
    budget: float,
    durations: list[float],
    retry_after: float | None,
    rand: float,
) -> None:
    clock, breaker = rig()
    start, deadline = clock.now, clock.now + budget
    sleep_ends: list[float] = []
    spent: list[float] = []  # time each attempt took

    async def upstream() -> str:
        # What asyncio.timeout does to a real call: it ends at the deadline at the latest.
        took = min(durations[len(spent) % len(durations)], deadline - clock.now)
        spent.append(took)
        clock.advance(took)
        if clock.now >= deadline:
            raise UpstreamTimeout("cut at the deadline", deployment="d")
        raise err503(retry_after)

    async def sleep(seconds: float) -> None:
        await clock.sleep(seconds)
        sleep_ends.append(clock.now)

    async def run() -> None:
        await call_with_resilience(
            upstream,
            breaker=breaker,
            policy=policy,
            deadline=deadline,
            clock=clock,
            sleep=sleep,
            rand=lambda: rand,
        )

    with pytest.raises(UpstreamError):
        asyncio.run(run())
    assert clock.now - start == pytest.approx(sum(clock.sleeps) + sum(spent))
    assert sum(clock.sleeps) + sum(spent) <= budget + 1e-9
    assert all(end < deadline for end in sleep_ends)  # every attempt starts before the deadline
    assert 1 <= len(spent) <= policy.max_retries + 1
