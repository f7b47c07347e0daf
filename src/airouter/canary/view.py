"""The canary percentage as the gateway reads it: from the shared state store, briefly cached.

Every instance of a fleet reads the same store, so a change (an admin's, or a
rollback) reaches all of them within `ttl` seconds, without a restart.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import structlog

from airouter.state import CanaryState, Event, StateStore, StateUnavailable

log = structlog.get_logger("airouter.canary")


class CanaryView:
    def __init__(
        self, migration: str, *, ttl: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._store: StateStore | None = None
        self.migration = migration
        self._ttl = ttl
        self._clock = clock
        self._cached: CanaryState | None = None
        self._fetched_at = float("-inf")

    @property
    def store(self) -> StateStore:
        if self._store is None:
            raise RuntimeError("CanaryView.start() was not awaited")
        return self._store

    async def start(self, store: StateStore, initial: int) -> CanaryState:
        """Seed the store from AI_CANARY_PERCENTAGE unless a value (say, a rollback) exists."""
        self._store = store
        state = await store.init_canary(
            self.migration, initial, actor="env", reason="initial (AI_CANARY_PERCENTAGE)"
        )
        self._remember(state)
        return state

    async def state(self) -> CanaryState:
        if self._cached is None or self._clock() - self._fetched_at >= self._ttl:
            try:
                fetched = await self.store.get_canary(self.migration)
            except StateUnavailable:
                if self._cached is None:
                    raise
                # Serving the last known split beats failing every request; say so.
                log.warning(
                    "canary_state_stale",
                    migration=self.migration,
                    percentage=self._cached.percentage,
                )
                self._fetched_at = self._clock()  # retry after another ttl
                return self._cached
            if fetched is not None:
                self._remember(fetched)
        if self._cached is None:
            raise RuntimeError("CanaryView.start() was not awaited")
        return self._cached

    async def percentage(self) -> int:
        return (await self.state()).percentage

    async def set(self, percentage: int, *, actor: str, reason: str, kind: str) -> CanaryState:
        before = await self.state()
        state = await self.store.set_canary(self.migration, percentage, actor=actor, reason=reason)
        await self.store.append_event(
            Event(
                kind=kind,
                at=state.updated_at,
                data={
                    "migration": self.migration,
                    "from": before.percentage,
                    "to": percentage,
                    "actor": actor,
                    "reason": reason,
                },
            )
        )
        self._remember(state)
        return state

    def _remember(self, state: CanaryState) -> None:
        self._cached = state
        self._fetched_at = self._clock()
