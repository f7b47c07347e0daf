from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from airouter.errors import (
    CircuitOpen,
    UpstreamBadResponse,
    UpstreamConnectionError,
    UpstreamError,
    UpstreamRejected,
    UpstreamServerError,
    UpstreamTimeout,
    classify_status,
)
from airouter.resilience.retry import (
    GiveUp,
    GiveUpReason,
    RetryAfter,
    RetryPolicy,
    backoff_ceiling,
    decide,
    parse_retry_after,
    unless_unavailable,
)

FAR = math.inf
policies = st.builds(
    RetryPolicy,
    max_retries=st.integers(0, 8),
    base=st.floats(0, 5),
    factor=st.floats(1, 4),
    max_backoff=st.floats(0, 120),
    max_retry_after=st.floats(0, 120),
)
draws = st.floats(0, 1, exclude_max=True)


def server_error(retry_after: float | None = None) -> UpstreamServerError:
    return UpstreamServerError("503", deployment="d", upstream_status=503, retry_after=retry_after)


def test_default_policy_is_three_retries_of_one_two_four_seconds() -> None:
    policy = RetryPolicy()
    assert [backoff_ceiling(policy, n) for n in (1, 2, 3)] == [1.0, 2.0, 4.0]
    assert policy.max_retries == 3


def test_backoff_is_capped_and_survives_huge_exponents() -> None:
    policy = RetryPolicy(max_backoff=10.0)
    assert backoff_ceiling(policy, 5) == 10.0
    assert backoff_ceiling(policy, 100_000) == 10.0


# -- Property 7: retry with exponential backoff ---------------------------------------


@given(policy=policies, data=st.data(), rand=draws)
def test_delays_stay_within_the_full_jitter_schedule(
    policy: RetryPolicy, data: st.DataObject, rand: float
) -> None:
    attempt = data.draw(st.integers(1, max(1, policy.max_retries)))
    decision = decide(policy, attempt=attempt, error=server_error(), now=0, deadline=FAR, rand=rand)
    if policy.max_retries == 0:
        assert decision == GiveUp(GiveUpReason.ATTEMPTS_EXHAUSTED)
    else:
        assert isinstance(decision, RetryAfter)
        assert 0 <= decision.delay <= backoff_ceiling(policy, attempt)
        assert decision.delay == pytest.approx(rand * backoff_ceiling(policy, attempt))


def attempts_until_give_up(policy: RetryPolicy, error: UpstreamError, rands: list[float]) -> int:
    attempt = 1
    while isinstance(
        decide(policy, attempt=attempt, error=error, now=0, deadline=FAR, rand=rands[attempt % 9]),
        RetryAfter,
    ):
        attempt += 1
    return attempt


@given(policy=policies, rands=st.lists(draws, min_size=9, max_size=9))
def test_a_transient_error_is_tried_max_retries_plus_one_times(
    policy: RetryPolicy, rands: list[float]
) -> None:
    assert attempts_until_give_up(policy, server_error(), rands) == policy.max_retries + 1


@pytest.mark.parametrize(
    "error",
    [
        UpstreamRejected("400", deployment="d", upstream_status=400),
        UpstreamBadResponse("not json", deployment="d", upstream_status=200),
        CircuitOpen("open", deployment="d"),
    ],
)
def test_a_non_transient_error_is_tried_exactly_once(error: UpstreamError) -> None:
    assert attempts_until_give_up(RetryPolicy(), error, [0.5] * 9) == 1
    decision = decide(RetryPolicy(), attempt=1, error=error, now=0, deadline=FAR, rand=0.5)
    assert decision == GiveUp(GiveUpReason.NOT_RETRYABLE)


def test_an_error_that_is_not_an_upstream_error_is_not_retried() -> None:
    decision = decide(RetryPolicy(), attempt=1, error=KeyError("bug"), now=0, deadline=FAR, rand=0)
    assert decision == GiveUp(GiveUpReason.NOT_RETRYABLE)


@pytest.mark.parametrize(
    ("status", "retried"),
    [(408, True), (429, True), (500, True), (502, True), (503, True), (504, True)]
    + [(s, False) for s in (400, 401, 403, 404, 413, 422)],
)
def test_exactly_the_transient_statuses_are_retried(status: int, retried: bool) -> None:
    error = classify_status(status)("x", deployment="d", upstream_status=status)
    decision = decide(RetryPolicy(), attempt=1, error=error, now=0, deadline=FAR, rand=0.5)
    assert isinstance(decision, RetryAfter) is retried


@pytest.mark.parametrize(
    "error", [UpstreamTimeout("t", deployment="d"), UpstreamConnectionError("c", deployment="d")]
)
def test_timeouts_and_connection_errors_are_retried(error: UpstreamError) -> None:
    decision = decide(RetryPolicy(), attempt=1, error=error, now=0, deadline=FAR, rand=0.5)
    assert decision == RetryAfter(0.5)


@given(policy=policies, retry_after=st.floats(0, 200), rand=draws, attempt=st.integers(1, 8))
def test_retry_after_is_a_floor_on_the_wait_up_to_its_cap(
    policy: RetryPolicy, retry_after: float, rand: float, attempt: int
) -> None:
    error = server_error(retry_after)
    decision = decide(policy, attempt=attempt, error=error, now=0, deadline=FAR, rand=rand)
    if attempt > policy.max_retries:
        assert decision == GiveUp(GiveUpReason.ATTEMPTS_EXHAUSTED)
    elif retry_after > policy.max_retry_after:
        assert decision == GiveUp(GiveUpReason.RETRY_AFTER_TOO_LONG)
    else:
        assert isinstance(decision, RetryAfter)
        assert decision.delay >= retry_after
        assert decision.delay <= max(retry_after, backoff_ceiling(policy, attempt))


@given(
    policy=policies,
    now=st.floats(0, 1e6),
    left=st.floats(0, 20),
    retry_after=st.none() | st.floats(0, 60),
    rand=draws,
    attempt=st.integers(1, 8),
)
def test_a_retry_never_sleeps_to_or_past_the_deadline(
    policy: RetryPolicy,
    now: float,
    left: float,
    retry_after: float | None,
    rand: float,
    attempt: int,
) -> None:
    error = server_error(retry_after)
    decision = decide(policy, attempt=attempt, error=error, now=now, deadline=now + left, rand=rand)
    unbounded = decide(policy, attempt=attempt, error=error, now=now, deadline=FAR, rand=rand)
    if isinstance(decision, RetryAfter):
        assert now + decision.delay < now + left
        assert decision == unbounded
    elif isinstance(unbounded, RetryAfter):
        assert decision == GiveUp(GiveUpReason.DEADLINE)


def test_a_negative_or_nan_retry_after_is_no_floor() -> None:
    for odd in (-5.0, math.nan):
        decision = decide(
            RetryPolicy(), attempt=1, error=server_error(odd), now=0, deadline=FAR, rand=0.5
        )
        assert decision == RetryAfter(0.5)


@pytest.mark.parametrize(
    ("decision", "unavailable_for", "expected"),
    [
        (RetryAfter(2.0), 0.0, RetryAfter(2.0)),
        (RetryAfter(2.0), 2.0, RetryAfter(2.0)),
        (RetryAfter(2.0), 2.5, GiveUp(GiveUpReason.CIRCUIT_OPEN)),
        (GiveUp(GiveUpReason.DEADLINE), 9.0, GiveUp(GiveUpReason.DEADLINE)),
    ],
)
def test_gives_up_instead_of_sleeping_into_an_open_breaker(
    decision: RetryAfter | GiveUp, unavailable_for: float, expected: RetryAfter | GiveUp
) -> None:
    assert unless_unavailable(decision, unavailable_for) == expected


@pytest.mark.parametrize(
    "changes",
    [
        {"max_retries": -1},
        {"factor": 0.5},
        {"base": -1.0},
        {"max_backoff": math.inf},
        {"max_retry_after": math.nan},
    ],
)
def test_rejects_a_policy_that_cannot_work(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each field has its own message
        replace(RetryPolicy(), **changes)


# -- parse_retry_after -----------------------------------------------------------------

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "120"}, 120.0),
        ({"retry-after": " 7 "}, 7.0),
        ({"Retry-After": "0"}, 0.0),
        ({"Retry-After": "1.5"}, 1.5),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"Retry-After-Ms": "250.5"}, 0.2505),
        ({"retry-after-ms": "1500", "Retry-After": "9"}, 1.5),
        ({"retry-after-ms": "soon", "Retry-After": "9"}, 9.0),
        ({"Retry-After": "Sat, 01 Mar 2025 12:00:30 GMT"}, 30.0),
        ({"Retry-After": "Sat, 01 Mar 2025 11:00:00 GMT"}, 0.0),
        ({"Retry-After": "Sat, 01 Mar 2025 13:00:00 +0100"}, 0.0),
    ],
)
def test_reads_the_upstreams_wait(headers: dict[str, str], seconds: float) -> None:
    assert parse_retry_after(headers, NOW) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "value", ["", "soon", "-5", "nan", "inf", "1e3", "+5", "1_000", "٣", "Sat, 99 Foo 2025", "5s"]
)
def test_garbage_is_none(value: str) -> None:
    assert parse_retry_after({"Retry-After": value}, NOW) is None
    assert parse_retry_after({"retry-after-ms": value}, NOW) is None


def test_no_header_is_none() -> None:
    assert parse_retry_after({"Content-Type": "application/json"}, NOW) is None


def test_now_may_be_a_timestamp_or_a_naive_utc_datetime() -> None:
    headers = {"Retry-After": "Sat, 01 Mar 2025 12:01:00 GMT"}
    assert parse_retry_after(headers, NOW.timestamp()) == 60.0
    assert parse_retry_after(headers, NOW.replace(tzinfo=None)) == 60.0


@given(seconds=st.integers(0, 10**7))
def test_delta_seconds_round_trip(seconds: int) -> None:
    assert parse_retry_after({"Retry-After": str(seconds)}, NOW) == seconds
    assert parse_retry_after({"retry-after-ms": str(seconds)}, NOW) == seconds / 1000


@given(seconds=st.integers(-(10**6), 10**6))
def test_http_dates_become_the_seconds_until_them(seconds: int) -> None:
    when = format_datetime(NOW + timedelta(seconds=seconds), usegmt=True)
    assert parse_retry_after({"Retry-After": when}, NOW) == max(0, seconds)


@given(headers=st.dictionaries(st.sampled_from(["Retry-After", "retry-after-ms", "x"]), st.text()))
@example(headers={"Retry-After": "0\x1f"})  # str.strip() and float() disagree on \x1f
def test_never_raises_and_never_answers_negative(headers: dict[str, str]) -> None:
    result = parse_retry_after(headers, NOW)
    assert result is None or (result >= 0 and math.isfinite(result))
