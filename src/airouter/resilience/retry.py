"""When to try a deployment again: a pure decision per failed attempt.

`decide()` looks at one failed attempt and returns `RetryAfter(delay)` or
`GiveUp(reason)`; the driver only carries it out (tenacity's `iter()` returning
DoAttempt/DoSleep). tenacity itself is not used: its decisions live inside a
mutable `RetryCallState` and its driver also does the sleeping, while here the
decision must also weigh the request's deadline and the upstream's Retry-After,
and be testable as a plain function of data. That takes fewer lines than adapting it.

Backoff is "full jitter" (AWS, "Exponential Backoff and Jitter"): the n-th retry
waits uniform(0, min(max_backoff, base * factor ** (n - 1))). A Retry-After from the
upstream is honoured as a floor on the wait; one longer than `max_retry_after`, or
a wait that would reach the deadline, gives up so the router fails over instead.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum

from airouter.errors import UpstreamError


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to retry one deployment; docs/resilience.md explains each field."""

    max_retries: int = 3
    base: float = 1.0
    factor: float = 2.0
    max_backoff: float = 60.0
    max_retry_after: float = 60.0

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        if not self.factor >= 1:
            raise ValueError("factor must be at least 1")
        for name in ("base", "max_backoff", "max_retry_after"):
            value = getattr(self, name)
            if not (value >= 0 and math.isfinite(value)):
                raise ValueError(f"{name} must be a finite number of seconds, 0 or more")


class GiveUpReason(StrEnum):
    NOT_RETRYABLE = "not_retryable"
    ATTEMPTS_EXHAUSTED = "attempts_exhausted"
    RETRY_AFTER_TOO_LONG = "retry_after_too_long"
    DEADLINE = "deadline"
    CIRCUIT_OPEN = "circuit_open"


@dataclass(frozen=True, slots=True)
class RetryAfter:
    """Sleep `delay` seconds, then try again."""

    delay: float


@dataclass(frozen=True, slots=True)
class GiveUp:
    """Stop retrying this deployment."""

    reason: GiveUpReason


Decision = RetryAfter | GiveUp


def backoff_ceiling(policy: RetryPolicy, retry: int) -> float:
    """The most the `retry`-th retry (1-based) may wait before jitter: 1, 2, 4 … s."""
    try:
        raw = policy.base * policy.factor ** (retry - 1)
    except OverflowError:
        raw = math.inf
    return min(policy.max_backoff, raw)


def decide(
    policy: RetryPolicy,
    *,
    attempt: int,
    error: BaseException,
    now: float,
    deadline: float,
    rand: float,
) -> Decision:
    """What to do after attempt number `attempt` (1-based) failed with `error`.

    `rand` is a uniform draw from [0, 1) that picks the jittered delay; `now` and
    `deadline` are on the same monotonic clock.
    """
    if not (isinstance(error, UpstreamError) and error.transient):
        return GiveUp(GiveUpReason.NOT_RETRYABLE)
    if attempt > policy.max_retries:
        return GiveUp(GiveUpReason.ATTEMPTS_EXHAUSTED)
    wait = _upstream_wait(error)
    if wait is not None and wait > policy.max_retry_after:
        return GiveUp(GiveUpReason.RETRY_AFTER_TOO_LONG)
    jittered = min(max(rand, 0.0), 1.0) * backoff_ceiling(policy, attempt)
    delay = max(jittered, wait or 0.0)
    if now + delay >= deadline:
        return GiveUp(GiveUpReason.DEADLINE)
    return RetryAfter(delay)


def unless_unavailable(decision: Decision, unavailable_for: float) -> Decision:
    """Give up rather than sleep if the deployment will still refuse calls afterwards.

    `unavailable_for` is how long the deployment's breaker stays open (0 if it is not).
    """
    if isinstance(decision, RetryAfter) and unavailable_for > decision.delay:
        return GiveUp(GiveUpReason.CIRCUIT_OPEN)
    return decision


def _upstream_wait(error: BaseException) -> float | None:
    wait = error.retry_after if isinstance(error, UpstreamError) else None
    if wait is None or math.isnan(wait):
        return None
    return max(0.0, wait)


# -- the upstream's hint ------------------------------------------------------------

_DECIMAL = re.compile(r"\d+(?:\.\d+)?", re.ASCII)


def parse_retry_after(headers: Mapping[str, str], now: datetime | float) -> float | None:
    """Seconds the upstream asked us to wait, from `retry-after-ms` or `Retry-After`.

    `retry-after-ms` (OpenAI, Azure) wins when it is valid. `Retry-After` is either
    delta-seconds or an HTTP-date, read against `now` (wall clock: an aware
    datetime, a naive one taken as UTC, or a POSIX timestamp); a date in the past
    means 0.0. Anything unreadable means None. Header names are matched ignoring case.
    """
    lowered = {key.lower(): value for key, value in headers.items()}
    millis = _decimal(lowered.get("retry-after-ms"))
    if millis is not None:
        return millis / 1000
    value = lowered.get("retry-after")
    if value is None:
        return None
    seconds = _decimal(value)
    return seconds if seconds is not None else _seconds_until(value, now)


def _decimal(text: str | None) -> float | None:
    if text is None:
        return None
    text = text.strip()
    if not _DECIMAL.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def _seconds_until(text: str, now: datetime | float) -> float | None:
    try:
        when = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    delta = (_aware(when) - _as_datetime(now)).total_seconds()
    return max(0.0, delta)


def _as_datetime(now: datetime | float) -> datetime:
    if isinstance(now, datetime):
        return _aware(now)
    return datetime.fromtimestamp(now, tz=UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
