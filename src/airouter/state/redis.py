"""The fleet backend: every gateway instance shares one Redis, so a canary change is seen
by the whole fleet on its next read, with no restart.

Keys (prefix `airouter:`):

    canary:{migration}      hash: percentage, version, updated_at, reason, actor
    events                  list of JSON events, newest first, capped at MAX_EVENTS
    events:kind:{kind}      the same, one list per kind (so a kind filter is one LRANGE)
    events:seq              the last event id (INCR)
    cooldown:{key}          "1" with a TTL: SET NX PX

Every read-then-write is one Lua script, which Redis runs atomically: no WATCH retry
loops, and compare-and-set costs one round trip. Cooldowns expire on Redis's own clock,
so instances with skewed clocks still agree; `updated_at` comes from the injected clock.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import replace

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from airouter.errors import ConfigError
from airouter.state.base import (
    MAX_EVENTS,
    CanaryState,
    Clock,
    Event,
    StaleState,
    StateUnavailable,
    check_cooldown,
    check_percentage,
)
from airouter.state.codec import dump_event, load_event
from airouter.state.url import redact, scrub

PREFIX = "airouter:"
CONNECT_TIMEOUT_SECONDS = 2.0
COMMAND_TIMEOUT_SECONDS = 2.0

# KEYS[1] canary hash. ARGV: percentage, updated_at, reason, actor. Returns HGETALL.
INIT_CANARY = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'percentage', ARGV[1], 'version', 1,
             'updated_at', ARGV[2], 'reason', ARGV[3], 'actor', ARGV[4])
end
return redis.call('HGETALL', KEYS[1])
"""

# KEYS[1] canary hash. ARGV: expected version ('' = any), percentage, updated_at, reason,
# actor. Returns {1, new version} or {0, current version} when the expected one is stale.
SET_CANARY = """
local version = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if ARGV[1] ~= '' and tonumber(ARGV[1]) ~= version then
  return {0, version}
end
version = version + 1
redis.call('HSET', KEYS[1], 'percentage', ARGV[2], 'version', version,
           'updated_at', ARGV[3], 'reason', ARGV[4], 'actor', ARGV[5])
return {1, version}
"""

# KEYS: sequence, list of all events, list of this kind. ARGV: the event as a JSON object
# without id, how many to keep. The id is spliced in as the object's first member.
APPEND_EVENT = """
local id = redis.call('INCR', KEYS[1])
local entry = '{"id":' .. id .. ',' .. string.sub(ARGV[1], 2)
local keep = tonumber(ARGV[2])
for i = 2, 3 do
  redis.call('LPUSH', KEYS[i], entry)
  redis.call('LTRIM', KEYS[i], 0, keep - 1)
end
return id
"""


class RedisStore:
    """A `StateStore` on a shared Redis; open it with `await RedisStore.open(url)`."""

    def __init__(
        self,
        client: aioredis.Redis,
        *,
        label: str,
        url: str = "",
        clock: Clock = time.time,
        prefix: str = PREFIX,
        max_events: int = MAX_EVENTS,
    ) -> None:
        self._client = client
        self._label = label
        self._url = url  # only to mask its password in driver messages (see _translated)
        self._clock = clock
        self._prefix = prefix
        self._max_events = max_events
        self._init_canary = client.register_script(INIT_CANARY)
        self._set_canary = client.register_script(SET_CANARY)
        self._append_event = client.register_script(APPEND_EVENT)
        self._closed = False

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        clock: Clock = time.time,
        prefix: str = PREFIX,
        max_events: int = MAX_EVENTS,
    ) -> RedisStore:
        """Connect and PING; `ConfigError` naming the URL (password masked) if that fails."""
        label = redact(url)
        try:
            client = aioredis.Redis.from_url(
                url,
                decode_responses=True,
                socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
                socket_timeout=COMMAND_TIMEOUT_SECONDS,
                # One immediate retry heals a pooled socket that Redis closed (a restart,
                # a failover); more would stall gateway requests while Redis is down.
                retry=Retry(NoBackoff(), 1),
            )
        except ValueError as exc:
            message = scrub(str(exc), url)
            raise ConfigError(f"invalid Redis state store URL {label}: {message}") from None
        try:
            await client.ping()
        except RedisError as exc:
            await client.aclose()
            message = scrub(str(exc), url)
            raise ConfigError(f"cannot reach the Redis state store at {label}: {message}") from None
        return cls(client, label=label, url=url, clock=clock, prefix=prefix, max_events=max_events)

    async def get_canary(self, migration: str) -> CanaryState | None:
        async with self._translated():
            fields = await self._client.hgetall(self._key("canary", migration))
        return _canary(fields) if fields else None

    async def init_canary(
        self, migration: str, percentage: int, *, actor: str, reason: str
    ) -> CanaryState:
        args: list[str | int] = [check_percentage(percentage), repr(self._clock()), reason, actor]
        async with self._translated():
            flat = await self._init_canary(keys=[self._key("canary", migration)], args=args)
        return _canary(dict(zip(flat[::2], flat[1::2], strict=True)))

    async def set_canary(
        self,
        migration: str,
        percentage: int,
        *,
        actor: str,
        reason: str,
        expected_version: int | None = None,
    ) -> CanaryState:
        now = self._clock()
        expected = "" if expected_version is None else str(expected_version)
        args: list[str | int] = [expected, check_percentage(percentage), repr(now), reason, actor]
        async with self._translated():
            won, version = await self._set_canary(keys=[self._key("canary", migration)], args=args)
        if not won:
            raise StaleState(migration, expected=int(expected), actual=int(version))
        return CanaryState(percentage, int(version), now, reason, actor)

    async def append_event(self, event: Event) -> Event:
        text = dump_event(event)
        keys = [self._key("events", "seq"), self._key("events"), self._events_key(event.kind)]
        async with self._translated():
            event_id = await self._append_event(keys=keys, args=[text, self._max_events])
        return replace(load_event(text), id=int(event_id))

    async def recent_events(self, limit: int = 50, kind: str | None = None) -> list[Event]:
        if limit <= 0:
            return []
        key = self._key("events") if kind is None else self._events_key(kind)
        async with self._translated():
            entries = await self._client.lrange(key, 0, limit - 1)
        return [load_event(entry) for entry in entries]

    async def try_acquire_cooldown(self, key: str, seconds: float) -> bool:
        millis = max(1, math.ceil(check_cooldown(seconds) * 1000))
        async with self._translated():
            started = await self._client.set(self._key("cooldown", key), "1", nx=True, px=millis)
        return bool(started)

    async def ping(self) -> bool:
        try:
            async with self._translated():
                return bool(await self._client.ping())
        except StateUnavailable:
            return False

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            await self._client.aclose()

    def _key(self, *parts: str) -> str:
        return self._prefix + ":".join(parts)

    def _events_key(self, kind: str) -> str:
        return self._key("events", "kind", kind)

    @contextlib.asynccontextmanager
    async def _translated(self) -> AsyncIterator[None]:
        """Redis failures become `StateUnavailable` naming the (redacted) URL."""
        if self._closed:
            raise StateUnavailable(f"the Redis state store at {self._label} is closed")
        try:
            yield
        except RedisError as exc:
            message = scrub(str(exc), self._url)
            raise StateUnavailable(f"Redis state store at {self._label}: {message}") from exc


def _canary(fields: Mapping[str | bytes, str | bytes]) -> CanaryState:
    """A canary from its hash; the client decodes replies, so every field is `str`."""
    text = {str(name): str(value) for name, value in fields.items()}
    return CanaryState(
        percentage=int(text["percentage"]),
        version=int(text["version"]),
        updated_at=float(text["updated_at"]),
        reason=text["reason"],
        actor=text["actor"],
    )
