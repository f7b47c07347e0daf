"""`open_store`: one URL picks the backend, and a bad URL fails at startup, clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from airouter.errors import ConfigError
from airouter.state import MemoryStore, RedisStore, SqliteStore, StateStore, open_store
from tests.state.fakes import START, FakeClock


async def use(store: StateStore) -> int:
    try:
        state = await store.set_canary("m", 30, actor="cli", reason="x")
        assert state.updated_at == START
        return state.version
    finally:
        await store.close()


async def test_memory() -> None:
    store = await open_store("memory://", clock=FakeClock())

    assert isinstance(store, MemoryStore)
    assert await use(store) == 1


async def test_sqlite_with_an_absolute_path(tmp_path: Path) -> None:
    path = tmp_path / "var" / "state.sqlite3"
    store = await open_store(f"sqlite:///{path}", clock=FakeClock())

    assert isinstance(store, SqliteStore)
    assert await use(store) == 1
    assert path.is_file()


async def test_sqlite_with_a_relative_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = await open_store("sqlite:///data/state.sqlite3", clock=FakeClock())

    assert await use(store) == 1
    assert (tmp_path / "data" / "state.sqlite3").is_file()


async def test_redis(redis_url: str) -> None:
    store = await open_store(redis_url, clock=FakeClock())

    assert isinstance(store, RedisStore)
    assert await use(store) == 1


@pytest.mark.parametrize(
    "url",
    ["postgres://db/x", "memory://somewhere", "sqlite://", "mysql://root:pw@db/x", "state.db"],
)
async def test_a_bad_url_names_the_variable_and_the_accepted_forms(url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        await open_store(url)

    message = caught.value.message
    assert "AIROUTER_STATE_URL" in message
    assert "memory://" in message and "sqlite:///" in message and "redis://" in message
    assert ":pw@" not in message
