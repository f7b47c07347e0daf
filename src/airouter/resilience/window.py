"""A time-based sliding window of call outcomes, kept in a fixed number of buckets.

The window spans `span` seconds split into `bucket_count` equal buckets; a bucket
holds the calls and failures recorded while the clock was inside it. A bucket
leaves the window once it is `bucket_count` buckets old, so memory is bounded by
the bucket count however heavy the traffic (a deque of every call would not be).
The price is granularity: the window forgets in steps of `span / bucket_count`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Bucket:
    """The outcomes recorded during one slice of time (`index` counts slices from 0)."""

    index: int
    calls: int = 0
    failures: int = 0


@dataclass(frozen=True, slots=True)
class Totals:
    calls: int
    failures: int

    @property
    def failure_rate(self) -> float:
        """Failures over calls, in [0, 1]; 0.0 when there were no calls."""
        return self.failures / self.calls if self.calls else 0.0


@dataclass(frozen=True, slots=True)
class SlidingWindow:
    span: float
    bucket_count: int
    buckets: tuple[Bucket, ...] = ()
    # The sums over `buckets`, carried along by `record` (a window built with buckets
    # must be given their sums): the breaker reads them on every call to a deployment,
    # and summing up to `bucket_count` buckets each time (60 by default) cost more than
    # the rest of its bookkeeping.
    calls: int = 0
    failures: int = 0

    def __post_init__(self) -> None:
        if not (self.span > 0 and math.isfinite(self.span)):
            raise ValueError(f"window span must be a positive number of seconds, not {self.span}")
        if self.bucket_count < 1:
            raise ValueError(f"window needs at least one bucket, not {self.bucket_count}")

    def index_at(self, now: float) -> int:
        return math.floor(now * self.bucket_count / self.span)

    def record(self, now: float, *, failed: bool) -> SlidingWindow:
        """A window with one more call, recorded in the bucket `now` falls into."""
        live = self._live(now)
        index = self.index_at(now)
        if live and live[-1].index >= index:  # same slice (or a clock that stepped back)
            head, last = live[:-1], live[-1]
        else:
            head, last = live, Bucket(index)
        # Plain constructors, not dataclasses.replace: this runs on every call to a
        # deployment, and replace() re-reads the field list each time (~3x slower).
        last = Bucket(last.index, last.calls + 1, last.failures + failed)
        calls, failures = self._sums(live)
        return SlidingWindow(
            self.span, self.bucket_count, (*head, last), calls + 1, failures + failed
        )

    def totals(self, now: float) -> Totals:
        return Totals(*self._sums(self._live(now)))

    def _sums(self, live: tuple[Bucket, ...]) -> tuple[int, int]:
        if live is self.buckets:  # nothing expired: the sums carried along
            return self.calls, self.failures
        return sum(b.calls for b in live), sum(b.failures for b in live)

    def _live(self, now: float) -> tuple[Bucket, ...]:
        oldest = self.index_at(now) - self.bucket_count + 1
        if not self.buckets or self.buckets[0].index >= oldest:  # the usual case: all live
            return self.buckets
        return tuple(b for b in self.buckets if b.index >= oldest)
