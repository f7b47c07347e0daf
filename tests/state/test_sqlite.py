"""The SQLite backend beyond the contract: restarts, WAL, several processes on one file."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from airouter.errors import ConfigError
from airouter.state import CanaryState, Event, SqliteStore, StaleState
from tests.state.fakes import FakeClock

MIGRATION = "legacy-to-foundry"


@asynccontextmanager
async def opened(path: Path, clock: FakeClock | None = None) -> AsyncIterator[SqliteStore]:
    store = await SqliteStore.open(path, clock=clock or FakeClock())
    try:
        yield store
    finally:
        await store.close()


async def test_a_rollback_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    async with opened(path) as store:
        await store.init_canary(MIGRATION, 10, actor="env", reason="initial")
        rolled_back = await store.set_canary(
            MIGRATION, 0, actor="controller", reason="rollback: error rate 12% > 5%"
        )
        await store.append_event(Event(kind="canary_rollback", at=1.0, data={"to": 0}))

    async with opened(path) as restarted:
        after = await restarted.init_canary(MIGRATION, 10, actor="env", reason="initial")
        events = await restarted.recent_events()
        next_event = await restarted.append_event(Event(kind="alert", at=2.0, data={}))

    assert after == rolled_back
    assert (after.percentage, after.version, after.actor) == (0, 2, "controller")
    assert [(e.kind, e.data) for e in events] == [("canary_rollback", {"to": 0})]
    assert next_event.id == 2


async def test_an_active_cooldown_survives_a_restart(tmp_path: Path) -> None:
    path, clock = tmp_path / "state.sqlite3", FakeClock()
    async with opened(path, clock) as store:
        assert await store.try_acquire_cooldown("rollback", 600)

    clock.advance(300)
    async with opened(path, clock) as restarted:
        assert not await restarted.try_acquire_cooldown("rollback", 600)
        clock.advance(300)
        assert await restarted.try_acquire_cooldown("rollback", 600)


async def test_a_cooldown_ends_exactly_when_its_seconds_have_passed(tmp_path: Path) -> None:
    clock = FakeClock()
    async with opened(tmp_path / "s.sqlite3", clock) as store:
        assert await store.try_acquire_cooldown("alert", 60)
        clock.advance(59.9)
        assert not await store.try_acquire_cooldown("alert", 60)
        clock.advance(0.1)
        assert await store.try_acquire_cooldown("alert", 60)


async def test_open_creates_the_directories_and_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "state.sqlite3"
    async with opened(path) as store:
        assert await store.ping()

    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    raw.close()


async def test_two_processes_on_one_file_see_each_other(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    async with opened(path) as worker_a, opened(path) as worker_b:
        await worker_a.set_canary(MIGRATION, 25, actor="admin", reason="ramp")
        await worker_b.append_event(Event(kind="alert", at=1.0, data={"from": "b"}))
        assert await worker_a.try_acquire_cooldown("alert", 60)

        seen_by_b = await worker_b.get_canary(MIGRATION)
        events_seen_by_a = await worker_a.recent_events()
        b_may_alert = await worker_b.try_acquire_cooldown("alert", 60)

    assert seen_by_b is not None and seen_by_b.percentage == 25
    assert [e.data for e in events_seen_by_a] == [{"from": "b"}]
    assert not b_may_alert


async def test_compare_and_set_across_connections_has_one_winner(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    async with opened(path) as worker_a, opened(path) as worker_b:
        await worker_a.init_canary(MIGRATION, 10, actor="env", reason="initial")
        calls = [
            worker.set_canary(MIGRATION, p, actor="controller", reason="x", expected_version=1)
            for p in range(10)
            for worker in (worker_a, worker_b)
        ]
        results = await asyncio.gather(*calls, return_exceptions=True)

    assert sum(isinstance(r, CanaryState) for r in results) == 1
    assert sum(isinstance(r, StaleState) for r in results) == 19


async def test_the_event_log_keeps_only_the_newest(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "s.sqlite3", clock=FakeClock(), max_events=3)
    try:
        for i in range(5):
            await store.append_event(Event(kind="alert", at=float(i), data={"n": i}))
        recent = await store.recent_events(limit=10)
    finally:
        await store.close()

    assert [(e.id, e.data["n"]) for e in recent] == [(5, 4), (4, 3), (3, 2)]


async def test_a_file_that_is_not_a_database_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"this is not SQLite, " * 100)

    with pytest.raises(ConfigError, match=r"notes\.txt"):
        await SqliteStore.open(path)


async def test_a_path_under_a_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")

    with pytest.raises(ConfigError, match="cannot open the SQLite state store"):
        await SqliteStore.open(tmp_path / "file" / "state.sqlite3")


async def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA user_version = 99")
    raw.close()

    with pytest.raises(ConfigError, match="schema version 99"):
        await SqliteStore.open(path)
