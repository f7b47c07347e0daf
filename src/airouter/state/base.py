"""The state store's interface: the data it keeps, the Protocol every backend meets, its errors.

    AirouterError
    ├── StaleState         a compare-and-set lost: someone else changed the canary first
    └── StateUnavailable   the backend could not be reached or used (Redis down, SQLite locked)

Argument errors are the caller's: a percentage outside 0..100 raises
`airouter.errors.InvalidRequest`; a non-positive cooldown raises `ValueError`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from airouter.errors import AirouterError, InvalidRequest

Clock = Callable[[], float]
"""Returns epoch seconds; `time.time` in production, a fake in tests."""

MAX_EVENTS = 10_000
"""Events each backend keeps (newest win); older ones are dropped on append."""


@dataclass(frozen=True, slots=True)
class CanaryState:
    """The canary of one migration: the share of users on the new path, and who set it."""

    percentage: int
    version: int
    updated_at: float
    reason: str
    actor: str


@dataclass(frozen=True, slots=True)
class Event:
    """Something worth keeping: a canary change, a rollback, an alert. `data` is JSON."""

    kind: str
    at: float
    data: Mapping[str, Any]
    id: int | None = None


class StaleState(AirouterError):
    """`set_canary(expected_version=...)` found another version: someone changed it first."""

    code = "stale_state"
    http_status = 409

    def __init__(self, migration: str, *, expected: int, actual: int) -> None:
        super().__init__(
            f"canary {migration!r} is at version {actual}, not the expected {expected}"
        )
        self.migration = migration
        self.expected = expected
        self.actual = actual


class StateUnavailable(AirouterError):
    """The state backend failed; the message names it without any password."""

    code = "state_unavailable"
    http_status = 503


class StateStore(Protocol):
    """Where the gateway keeps what must outlive a request and be shared by a fleet."""

    async def get_canary(self, migration: str) -> CanaryState | None:
        """The canary of `migration`, or None if it was never set."""
        ...

    async def init_canary(
        self, migration: str, percentage: int, *, actor: str, reason: str
    ) -> CanaryState:
        """Set the canary only if it was never set (a restart keeps a rollback); return it."""
        ...

    async def set_canary(
        self,
        migration: str,
        percentage: int,
        *,
        actor: str,
        reason: str,
        expected_version: int | None = None,
    ) -> CanaryState:
        """Set the canary atomically, bumping its version.

        With `expected_version` (0 means "never set") raise `StaleState` unless the
        current version is that one: compare-and-set for a fleet.
        """
        ...

    async def append_event(self, event: Event) -> Event:
        """Keep `event`; return it with the id the store assigned (ids only grow)."""
        ...

    async def recent_events(self, limit: int = 50, kind: str | None = None) -> list[Event]:
        """Up to `limit` events, newest first, only of `kind` if given."""
        ...

    async def try_acquire_cooldown(self, key: str, seconds: float) -> bool:
        """Start a cooldown of `seconds` for `key` and return True, unless one is active."""
        ...

    async def ping(self) -> bool:
        """True if the backend answers; never raises."""
        ...

    async def close(self) -> None:
        """Release connections and threads; safe to call twice."""
        ...


def check_percentage(percentage: int) -> int:
    """`percentage` if it is an int in 0..100, else `InvalidRequest`."""
    if isinstance(percentage, bool) or not isinstance(percentage, int):
        raise InvalidRequest(f"canary percentage must be an integer, not {percentage!r}")
    if not 0 <= percentage <= 100:
        raise InvalidRequest(f"canary percentage must be within 0..100, not {percentage}")
    return percentage


def check_cooldown(seconds: float) -> float:
    """`seconds` if positive, else `ValueError` (a zero cooldown is a configuration bug)."""
    if not seconds > 0:
        raise ValueError(f"cooldown must be positive, not {seconds!r}")
    return seconds


def next_version(migration: str, current: CanaryState | None, expected: int | None) -> int:
    """The version a write makes; `StaleState` if a compare-and-set expected another."""
    actual = current.version if current else 0
    if expected is not None and expected != actual:
        raise StaleState(migration, expected=expected, actual=actual)
    return actual + 1
