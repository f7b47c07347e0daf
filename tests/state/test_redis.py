"""The Redis backend beyond the contract: a fleet sharing one Redis, its keys, its failures."""

from __future__ import annotations

import asyncio
import shutil
import socket
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager

import pytest
import redis.asyncio as aioredis

from airouter.errors import ConfigError
from airouter.state import CanaryState, Event, RedisStore, StaleState, StateUnavailable
from airouter.state.base import MAX_EVENTS
from tests.state.fakes import FakeClock
from tests.support.procs import RunningProcess, free_port, redis_ready, start_process

MIGRATION = "legacy-to-foundry"


@asynccontextmanager
async def opened(url: str, *, max_events: int = MAX_EVENTS) -> AsyncIterator[RedisStore]:
    store = await RedisStore.open(url, clock=FakeClock(), max_events=max_events)
    try:
        yield store
    finally:
        await store.close()


@asynccontextmanager
async def raw_client(url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(url, decode_responses=True)
    try:
        yield client
    finally:
        await client.aclose()


@contextmanager
def run_redis(*options: str) -> Iterator[tuple[str, RunningProcess]]:
    """A Redis server of this test's own, which the test may stop."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    check = redis_ready(url) if not options else None
    with tempfile.TemporaryDirectory(prefix="airouter-redis-") as workdir:
        args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", workdir, "--save", ""]
        with start_process([*args, *options], ready_check=check or port_open(port)) as proc:
            yield url, proc


def port_open(port: int) -> Callable[[], bool]:
    def check() -> bool:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        except OSError:
            return False
        return True

    return check


async def test_a_canary_change_reaches_every_instance(redis_url: str) -> None:
    async with opened(redis_url) as gateway_a, opened(redis_url) as gateway_b:
        await gateway_a.init_canary(MIGRATION, 10, actor="env", reason="initial")
        await gateway_b.init_canary(MIGRATION, 90, actor="env", reason="initial")
        rolled_back = await gateway_b.set_canary(MIGRATION, 0, actor="controller", reason="x")

        seen_by_a = await gateway_a.get_canary(MIGRATION)

    assert seen_by_a == rolled_back
    assert rolled_back.version == 2


async def test_events_and_cooldowns_are_shared_by_the_fleet(redis_url: str) -> None:
    async with opened(redis_url) as gateway_a, opened(redis_url) as gateway_b:
        await gateway_a.append_event(Event(kind="alert", at=1.0, data={"from": "a"}))
        await gateway_b.append_event(Event(kind="alert", at=2.0, data={"from": "b"}))
        a_alerts = await gateway_a.try_acquire_cooldown("alert:error_rate", 60)
        b_alerts = await gateway_b.try_acquire_cooldown("alert:error_rate", 60)

        seen_by_a = await gateway_a.recent_events()

    assert [(e.id, e.data["from"]) for e in seen_by_a] == [(2, "b"), (1, "a")]
    assert (a_alerts, b_alerts) == (True, False)


async def test_compare_and_set_across_instances_has_one_winner(redis_url: str) -> None:
    async with opened(redis_url) as gateway_a, opened(redis_url) as gateway_b:
        await gateway_a.init_canary(MIGRATION, 10, actor="env", reason="initial")
        calls = [
            gateway.set_canary(MIGRATION, 0, actor="controller", reason="x", expected_version=1)
            for _ in range(10)
            for gateway in (gateway_a, gateway_b)
        ]
        results = await asyncio.gather(*calls, return_exceptions=True)

    assert sum(isinstance(r, CanaryState) for r in results) == 1
    assert sum(isinstance(r, StaleState) for r in results) == 19


async def test_keys_live_under_the_airouter_prefix(redis_url: str) -> None:
    async with opened(redis_url) as store, raw_client(redis_url) as raw:
        await store.set_canary(MIGRATION, 40, actor="admin", reason="ramp")
        await store.append_event(Event(kind="canary_set", at=1.0, data={}))
        await store.try_acquire_cooldown("alert", 60)

        keys = sorted(await raw.keys("*"))
        canary = await raw.hgetall(f"airouter:canary:{MIGRATION}")
        cooldown_ms = await raw.pttl("airouter:cooldown:alert")

    assert keys == [
        "airouter:canary:legacy-to-foundry",
        "airouter:cooldown:alert",
        "airouter:events",
        "airouter:events:kind:canary_set",
        "airouter:events:seq",
    ]
    assert canary["percentage"] == "40" and canary["version"] == "1"
    assert 59_000 < cooldown_ms <= 60_000


async def test_the_event_log_keeps_only_the_newest(redis_url: str) -> None:
    async with opened(redis_url, max_events=3) as store:
        for i in range(5):
            await store.append_event(Event(kind="alert", at=float(i), data={"n": i}))
        recent = await store.recent_events(limit=10)
        alerts = await store.recent_events(limit=10, kind="alert")

    assert [(e.id, e.data["n"]) for e in recent] == [(5, 4), (4, 3), (3, 2)]
    assert alerts == recent


async def test_an_unreachable_redis_is_a_config_error_without_the_password() -> None:
    url = f"redis://:hunter2@127.0.0.1:{free_port()}/0"

    with pytest.raises(ConfigError) as caught:
        await RedisStore.open(url)

    message = caught.value.message
    assert f"redis://:***@127.0.0.1:{url.rsplit(':', 1)[1]}" in message
    assert "hunter2" not in message
    assert caught.value.__cause__ is None


async def test_a_refused_password_is_a_config_error_without_the_password() -> None:
    with run_redis("--requirepass", "right-one") as (url, _):
        wrong = url.replace("redis://", "redis://:hunter2@", 1)

        with pytest.raises(ConfigError, match="cannot reach") as caught:
            await RedisStore.open(wrong)
        async with opened(url.replace("redis://", "redis://:right-one@", 1)) as store:
            assert await store.ping()

    assert "hunter2" not in caught.value.message
    assert "redis://:***@127.0.0.1" in caught.value.message


async def test_a_bad_url_option_is_a_config_error(redis_url: str) -> None:
    with pytest.raises(ConfigError, match="invalid Redis state store URL"):
        await RedisStore.open(f"{redis_url}?socket_timeout=soon")


async def test_redis_going_away_fails_fast_as_unavailable() -> None:
    with run_redis() as (url, server):
        async with opened(url) as store:
            await store.set_canary(MIGRATION, 10, actor="admin", reason="x")
            server.stop()

            started = time.monotonic()
            with pytest.raises(StateUnavailable, match=r"redis://127\.0\.0\.1"):
                await store.get_canary(MIGRATION)
            assert not await store.ping()

    assert time.monotonic() - started < 2.0
