"""The single-machine backend: one SQLite file in WAL mode; survives restarts.

Why a private one-thread executor and not `aiosqlite` or bare `asyncio.to_thread`:
`sqlite3` is blocking, so every call runs off the event loop. One dedicated thread
owns the connection (sqlite3's same-thread check stays on) and runs the calls in
the order they were made, which is what aiosqlite does too, in thirty lines and
without a dependency. `asyncio.to_thread` would hop between the default pool's
threads and need a lock on top.

Atomicity: within a process the thread serialises calls; across processes (several
`--workers` on one file) every read-then-write runs in `BEGIN IMMEDIATE`, which takes
SQLite's write lock up front, and waits up to `busy_timeout` for another writer.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

from airouter.errors import ConfigError
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
from airouter.state.codec import dump_data, load_data

T = TypeVar("T")
P = ParamSpec("P")

BUSY_TIMEOUT_SECONDS = 5.0
SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS canary (
    migration TEXT PRIMARY KEY,
    percentage INTEGER NOT NULL,
    version INTEGER NOT NULL,
    updated_at REAL NOT NULL,
    reason TEXT NOT NULL,
    actor TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    at REAL NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_kind ON events (kind, id);
CREATE TABLE IF NOT EXISTS cooldowns (
    key TEXT PRIMARY KEY,
    until REAL NOT NULL
);
"""
CANARY_COLUMNS = "percentage, version, updated_at, reason, actor"
UPSERT_CANARY = """
INSERT INTO canary (migration, percentage, version, updated_at, reason, actor)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (migration) DO UPDATE SET
    percentage = excluded.percentage, version = excluded.version,
    updated_at = excluded.updated_at, reason = excluded.reason, actor = excluded.actor
"""
ACQUIRE_COOLDOWN = """
INSERT INTO cooldowns (key, until) VALUES (?, ?)
ON CONFLICT (key) DO UPDATE SET until = excluded.until WHERE cooldowns.until <= ?
"""


class SqliteStore:
    """A `StateStore` in one SQLite file; open it with `await SqliteStore.open(path)`."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        executor: ThreadPoolExecutor,
        path: Path,
        *,
        clock: Clock,
        max_events: int,
    ) -> None:
        self._conn = conn
        self._executor = executor
        self._path = path
        self._clock = clock
        self._max_events = max_events
        self._closed = False

    @classmethod
    async def open(
        cls, path: str | Path, *, clock: Clock = time.time, max_events: int = MAX_EVENTS
    ) -> SqliteStore:
        """Create the parent directory, the file and the schema if missing; WAL mode.

        Raises `ConfigError` naming the path if it cannot be created or is not a database.
        """
        target = Path(path)
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="airouter-sqlite")
        loop = asyncio.get_running_loop()
        try:
            conn = await loop.run_in_executor(executor, _connect, target)
        except (OSError, sqlite3.Error) as exc:
            executor.shutdown(wait=False)
            raise ConfigError(f"cannot open the SQLite state store at {target}: {exc}") from exc
        return cls(conn, executor, target, clock=clock, max_events=max_events)

    async def get_canary(self, migration: str) -> CanaryState | None:
        return await self._run(_select_canary, migration)

    async def init_canary(
        self, migration: str, percentage: int, *, actor: str, reason: str
    ) -> CanaryState:
        state = CanaryState(check_percentage(percentage), 1, self._clock(), reason, actor)
        return await self._run(_init_canary, migration, state)

    async def set_canary(
        self,
        migration: str,
        percentage: int,
        *,
        actor: str,
        reason: str,
        expected_version: int | None = None,
    ) -> CanaryState:
        state = CanaryState(check_percentage(percentage), 0, self._clock(), reason, actor)
        return await self._run(_set_canary, migration, state, expected_version)

    async def append_event(self, event: Event) -> Event:
        text = dump_data(event.data)
        event_id = await self._run(_insert_event, event, text, self._max_events)
        return Event(kind=event.kind, at=event.at, data=load_data(text), id=event_id)

    async def recent_events(self, limit: int = 50, kind: str | None = None) -> list[Event]:
        if limit <= 0:
            return []
        return await self._run(_select_events, limit, kind)

    async def try_acquire_cooldown(self, key: str, seconds: float) -> bool:
        now = self._clock()
        return await self._run(_acquire_cooldown, key, now, now + check_cooldown(seconds))

    async def ping(self) -> bool:
        try:
            await self._run(_select_one)
        except StateUnavailable:
            return False
        return True

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._executor, self._conn.close)
        finally:
            self._executor.shutdown(wait=False)

    async def _run(
        self, fn: Callable[Concatenate[sqlite3.Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run `fn(conn, *args)` on the connection's thread; backend failures → StateUnavailable."""
        if self._closed:
            raise StateUnavailable(f"the SQLite state store at {self._path} is closed")
        loop = asyncio.get_running_loop()
        call = functools.partial(fn, self._conn, *args, **kwargs)
        try:
            return await loop.run_in_executor(self._executor, call)
        except sqlite3.DatabaseError as exc:
            raise StateUnavailable(f"SQLite state store at {self._path}: {exc}") from exc


# Everything below runs on the store's thread.


def _connect(path: Path) -> sqlite3.Connection:
    path = path.expanduser()
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        found = conn.execute("PRAGMA user_version").fetchone()[0]
        if found > SCHEMA_VERSION:
            raise sqlite3.DatabaseError(f"schema version {found} is newer than {SCHEMA_VERSION}")
        # executescript commits whatever is pending first, so the transaction is in the script.
        conn.executescript(
            f"BEGIN IMMEDIATE;{SCHEMA}PRAGMA user_version = {SCHEMA_VERSION};COMMIT;"
        )
    except BaseException:
        conn.close()
        raise
    return conn


@contextlib.contextmanager
def _immediate(conn: sqlite3.Connection) -> Iterator[None]:
    """A transaction that holds the write lock from its first statement."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _select_canary(conn: sqlite3.Connection, migration: str) -> CanaryState | None:
    sql = f"SELECT {CANARY_COLUMNS} FROM canary WHERE migration = ?"  # noqa: S608 - constant
    row = conn.execute(sql, (migration,)).fetchone()
    return None if row is None else CanaryState(*row)


def _upsert_canary(conn: sqlite3.Connection, migration: str, state: CanaryState) -> None:
    conn.execute(
        UPSERT_CANARY,
        (migration, state.percentage, state.version, state.updated_at, state.reason, state.actor),
    )


def _init_canary(conn: sqlite3.Connection, migration: str, state: CanaryState) -> CanaryState:
    with _immediate(conn):
        current = _select_canary(conn, migration)
        if current is not None:
            return current
        _upsert_canary(conn, migration, state)
    return state


def _set_canary(
    conn: sqlite3.Connection, migration: str, state: CanaryState, expected_version: int | None
) -> CanaryState:
    with _immediate(conn):
        version = next_version(migration, _select_canary(conn, migration), expected_version)
        state = replace(state, version=version)
        _upsert_canary(conn, migration, state)
    return state


def _insert_event(conn: sqlite3.Connection, event: Event, text: str, keep: int) -> int:
    with _immediate(conn):
        cursor = conn.execute(
            "INSERT INTO events (kind, at, data) VALUES (?, ?, ?)", (event.kind, event.at, text)
        )
        event_id = cursor.lastrowid
        if event_id is None:  # pragma: no cover - an INSERT into a rowid table always sets it
            raise sqlite3.OperationalError("no id assigned to the event")
        conn.execute("DELETE FROM events WHERE id <= ?", (event_id - keep,))
    return event_id


def _select_events(conn: sqlite3.Connection, limit: int, kind: str | None) -> list[Event]:
    where, args = ("", (limit,)) if kind is None else ("WHERE kind = ?", (kind, limit))
    sql = f"SELECT id, kind, at, data FROM events {where} ORDER BY id DESC LIMIT ?"  # noqa: S608
    return [
        Event(kind=kind_, at=at, data=load_data(data), id=event_id)
        for event_id, kind_, at, data in conn.execute(sql, args)
    ]


def _acquire_cooldown(conn: sqlite3.Connection, key: str, now: float, until: float) -> bool:
    """One statement, so atomic: insert, or take over an expired cooldown, or change nothing."""
    return conn.execute(ACQUIRE_COOLDOWN, (key, until, now)).rowcount == 1


def _select_one(conn: sqlite3.Connection) -> None:
    conn.execute("SELECT 1").fetchone()
