from __future__ import annotations

import math
from dataclasses import astuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airouter.resilience.window import SlidingWindow


def test_counts_calls_and_failures_inside_the_span() -> None:
    window = SlidingWindow(60, 60)
    for t, failed in [(0.0, True), (10.0, False), (59.0, True)]:
        window = window.record(t, failed=failed)
    totals = window.totals(59.0)
    assert (totals.calls, totals.failures) == (3, 2)
    assert totals.failure_rate == pytest.approx(2 / 3)


def test_forgets_a_bucket_once_it_is_a_whole_span_old() -> None:
    window = SlidingWindow(60, 60).record(0.5, failed=True).record(30.0, failed=False)
    assert window.totals(59.9).calls == 2
    assert window.totals(60.0).calls == 1
    assert window.totals(90.0).calls == 0


def test_an_empty_window_has_no_failure_rate() -> None:
    assert SlidingWindow(60, 6).totals(0.0).failure_rate == 0.0


def test_a_clock_that_steps_back_counts_in_the_newest_bucket() -> None:
    window = SlidingWindow(60, 60).record(10.0, failed=True).record(5.0, failed=True)
    assert len(window.buckets) == 1
    assert window.totals(10.0).failures == 2


@pytest.mark.parametrize(("span", "buckets"), [(0, 1), (-1, 1), (math.inf, 1), (60, 0)])
def test_rejects_a_window_that_cannot_hold_time(span: float, buckets: int) -> None:
    with pytest.raises(ValueError, match="window"):
        SlidingWindow(span, buckets)


events = st.lists(st.tuples(st.integers(0, 50).map(lambda x: x / 4), st.booleans()), max_size=60)


@given(span=st.sampled_from([1.0, 5.0, 60.0]), count=st.integers(1, 12), steps=events)
def test_totals_match_a_count_over_the_raw_event_log(
    span: float, count: int, steps: list[tuple[float, bool]]
) -> None:
    window, log, now = SlidingWindow(span, count), [], 0.0

    def expected(at: float) -> tuple[int, int]:
        oldest = math.floor(at * count / span) - count + 1
        live = [f for t, f in log if math.floor(t * count / span) >= oldest]
        return len(live), sum(live)

    for dt, failed in steps:
        now += dt
        window = window.record(now, failed=failed)
        log.append((now, failed))
        totals = window.totals(now)
        assert (totals.calls, totals.failures) == expected(now)
        # Read later with nothing recorded meanwhile: buckets expire from the sums too.
        for later in (now + span / count, now + span / 2, now + span):
            assert astuple(window.totals(later)) == expected(later)
        assert len(window.buckets) <= count
        # Whatever the bucketing: calls younger than span - width count, a span old do not.
        young = sum(1 for t, _ in log if now - t < span - span / count)
        recent = sum(1 for t, _ in log if now - t < span)
        assert young <= totals.calls <= recent
