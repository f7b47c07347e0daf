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
    # The buckets, oldest first, with the newest kept apart: a call in the same slice
    # as the one before (nearly every call under load) rebuilds that one bucket, not
    # a tuple of up to `bucket_count` of them (60 by default) on every call.
    older: tuple[Bucket, ...] = ()
    newest: Bucket | None = None
    # The sums over all the buckets, carried along by `record` (a window built with
    # buckets must be given their sums): the breaker reads them on every call to a
    # deployment, and summing the buckets each time cost more than the rest of its
    # bookkeeping.
    calls: int = 0
    failures: int = 0

    def __post_init__(self) -> None:
        if not (self.span > 0 and math.isfinite(self.span)):
            raise ValueError(f"window span must be a positive number of seconds, not {self.span}")
        if self.bucket_count < 1:
            raise ValueError(f"window needs at least one bucket, not {self.bucket_count}")

    @property
    def buckets(self) -> tuple[Bucket, ...]:
        """Every bucket, oldest first."""
        return self.older if self.newest is None else (*self.older, self.newest)

    def index_at(self, now: float) -> int:
        return math.floor(now * self.bucket_count / self.span)

    def record(self, now: float, *, failed: bool) -> SlidingWindow:
        """A window with one more call, recorded in the bucket `now` falls into."""
        index = self.index_at(now)
        older, newest = self._live(index)
        calls, failures = self._sums(older, newest)
        # Plain constructors, not dataclasses.replace: this runs on every call to a
        # deployment, and replace() re-reads the field list each time (~3x slower).
        if newest is not None and newest.index >= index:  # same slice (or a clock stepped back)
            newest = Bucket(newest.index, newest.calls + 1, newest.failures + failed)
        else:
            older = older if newest is None else (*older, newest)
            newest = Bucket(index, 1, int(failed))
        return SlidingWindow(
            self.span, self.bucket_count, older, newest, calls + 1, failures + failed
        )

    def totals(self, now: float) -> Totals:
        return Totals(*self._sums(*self._live(self.index_at(now))))

    def _sums(self, older: tuple[Bucket, ...], newest: Bucket | None) -> tuple[int, int]:
        if older is self.older and newest is self.newest:  # nothing expired: carried along
            return self.calls, self.failures
        live = older if newest is None else (*older, newest)
        return sum(b.calls for b in live), sum(b.failures for b in live)

    def _live(self, index: int) -> tuple[tuple[Bucket, ...], Bucket | None]:
        """The buckets still in the window at slice `index`: (older, newest)."""
        oldest = index - self.bucket_count + 1
        older, newest = self.older, self.newest
        if newest is not None and newest.index < oldest:  # all of them expired
            return (), None
        if older and older[0].index < oldest:
            older = tuple(b for b in older if b.index >= oldest)
        return older, newest
