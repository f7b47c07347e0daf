"""The gateway's state store: canary percentages, the event log and cooldowns.

`open_store(AIROUTER_STATE_URL)` picks the backend; docs/state.md says which to use when.
"""

from __future__ import annotations

import time

from airouter.state.base import (
    CanaryState,
    Clock,
    Event,
    StaleState,
    StateStore,
    StateUnavailable,
)
from airouter.state.memory import MemoryStore
from airouter.state.redis import RedisStore
from airouter.state.sqlite import SqliteStore
from airouter.state.url import REDIS_SCHEMES, scheme_of, sqlite_path, unsupported

__all__ = [
    "CanaryState",
    "Clock",
    "Event",
    "MemoryStore",
    "RedisStore",
    "SqliteStore",
    "StaleState",
    "StateStore",
    "StateUnavailable",
    "open_store",
]


async def open_store(url: str, *, clock: Clock = time.time) -> StateStore:
    """Open the backend `url` names, connected and ready; close it when done.

    `memory://`, `sqlite:///path` (created with its directory) or `redis://host:port/db`.
    Raises `airouter.errors.ConfigError` for an unknown form or a backend it cannot reach,
    naming the URL with any password masked.
    """
    scheme = scheme_of(url)
    if scheme == "memory":
        if url.lower().rstrip("/") not in {"memory:", "memory:/"}:
            raise unsupported(url, "memory:// takes nothing after the scheme")
        return MemoryStore(clock=clock)
    if scheme == "sqlite":
        return await SqliteStore.open(sqlite_path(url), clock=clock)
    if scheme in REDIS_SCHEMES:
        return await RedisStore.open(url, clock=clock)
    raise unsupported(url, "unknown scheme")  # pragma: no cover - scheme_of filters
