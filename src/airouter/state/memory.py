"""The in-process backend: for unit tests and throwaway runs; forgets everything on exit.

No method awaits between reading and writing, so on one event loop every method is
atomic without a lock.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import replace

from airouter.state.base import (
    MAX_EVENTS,
    CanaryState,
    Clock,
    Event,
    StateUnavailable,
    check_cooldown,
    check_percentage,
    next_version,
)
from airouter.state.codec import dump_event, load_event


class MemoryStore:
    """A `StateStore` in dictionaries, with the clock injected."""

    def __init__(self, *, clock: Clock = time.time, max_events: int = MAX_EVENTS) -> None:
        self._clock = clock
        self._canaries: dict[str, CanaryState] = {}
        # (id, kind, the event as JSON): stored as text like the other backends, so it
        # accepts and refuses the same data and every read hands out a fresh copy.
        self._events: deque[tuple[int, str, str]] = deque(maxlen=max_events)
        self._last_event_id = 0
        self._cooldowns: dict[str, float] = {}
        self._closed = False

    async def get_canary(self, migration: str) -> CanaryState | None:
        self._check_open()
        return self._canaries.get(migration)

    async def init_canary(
        self, migration: str, percentage: int, *, actor: str, reason: str
    ) -> CanaryState:
        self._check_open()
        check_percentage(percentage)
        current = self._canaries.get(migration)
        if current is not None:
            return current
        return self._write(migration, percentage, actor=actor, reason=reason, version=1)

    async def set_canary(
        self,
        migration: str,
        percentage: int,
        *,
        actor: str,
        reason: str,
        expected_version: int | None = None,
    ) -> CanaryState:
        self._check_open()
        check_percentage(percentage)
        version = next_version(migration, self._canaries.get(migration), expected_version)
        return self._write(migration, percentage, actor=actor, reason=reason, version=version)

    async def append_event(self, event: Event) -> Event:
        self._check_open()
        text = dump_event(event)
        self._last_event_id += 1
        self._events.appendleft((self._last_event_id, event.kind, text))
        return replace(load_event(text), id=self._last_event_id)

    async def recent_events(self, limit: int = 50, kind: str | None = None) -> list[Event]:
        self._check_open()
        found: list[Event] = []
        for event_id, event_kind, text in self._events:
            if len(found) >= limit:
                break
            if kind is None or event_kind == kind:
                found.append(replace(load_event(text), id=event_id))
        return found

    async def try_acquire_cooldown(self, key: str, seconds: float) -> bool:
        self._check_open()
        check_cooldown(seconds)
        now = self._clock()
        if self._cooldowns.get(key, now) > now:
            return False
        self._cooldowns[key] = now + seconds
        return True

    async def ping(self) -> bool:
        return not self._closed

    async def close(self) -> None:
        self._closed = True

    def _write(
        self, migration: str, percentage: int, *, actor: str, reason: str, version: int
    ) -> CanaryState:
        state = CanaryState(percentage, version, self._clock(), reason, actor)
        self._canaries[migration] = state
        return state

    def _check_open(self) -> None:
        if self._closed:
            raise StateUnavailable("the memory state store is closed")
