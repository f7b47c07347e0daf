"""The `backend` fixture: every contract test runs once per state store backend."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from airouter.state import MemoryStore, RedisStore, SqliteStore, StateStore
from tests.state.fakes import FakeClock

BACKENDS = ["memory", "sqlite", "redis"]


@dataclass
class Backend:
    """A fresh store, the clock it was given, and how to let time pass for it."""

    name: str
    store: StateStore
    clock: FakeClock

    async def elapse(self, seconds: float) -> None:
        """Move the fake clock; Redis expires cooldowns on its own clock, so wait for real."""
        self.clock.advance(seconds)
        if self.name == "redis":
            await asyncio.sleep(seconds)


async def open_backend(
    name: str, request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock
) -> StateStore:
    if name == "memory":
        return MemoryStore(clock=clock)
    if name == "sqlite":
        return await SqliteStore.open(tmp_path / "state" / "airouter.sqlite3", clock=clock)
    redis_url: str = request.getfixturevalue("redis_url")
    return await RedisStore.open(redis_url, clock=clock)


@pytest.fixture(params=BACKENDS)
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    clock = FakeClock()
    store = await open_backend(request.param, request, tmp_path, clock)
    try:
        yield Backend(request.param, store, clock)
    finally:
        await store.close()


@pytest.fixture
def store(backend: Backend) -> StateStore:
    return backend.store
