"""`Http1Upstream`: the upstream seam's own lean HTTP/1.1 client.

Why a client of our own: at 200 req/s a request finds the CPU caches cold, and then
one aiohttp call cost 504-824 µs where the same POST over a bare asyncio protocol
with httptools cost 237-389 (bench/client_cold.py); aiohttp runs ~133 Python
functions and a writer task per request. Served by the router, the difference was
+1.16 -> +0.79 ms of added p50 latency and 0.50x -> 0.89x the pass-through's
throughput. Of the other clients on PyPI, aiosonic and httpx cost as much as
aiohttp; the Rust-backed ones (pyreqwest, rnet) came closest, yet still slower than
this client, cold and in CPU, hopping to their own runtime thread and back on
every call (docs/benchmarks.md, "The upstream client").

So the path every completion takes is short, and the rare cases stay with aiohttp:

    here                                    handed to `AiohttpUpstream`
    POST to http:// and https:// targets,   targets an HTTP(S)_PROXY applies to
    whole or streamed answers (Content-     (CONNECT tunnels, proxy auth), URLs
    Length, chunked, or read to the         with credentials in them
    close), gzip and deflate bodies

Each connection (`http1_connection.Connection`) is an asyncio protocol feeding
httptools (uvicorn's HTTP parser) and serves one request at a time; bodies are
decoded and streams cut into lines by `providers.bodies`. Idle connections wait
per origin, newest used first, and are closed after `keepalive` seconds unused; at
most `limit` requests are in flight at once. A connection is never reused after a
call that did not end with a whole answer (timeout, cancellation, broken answer)
or whose answer asked to close. There are no retries: a failure is the caller's to
retry (resilience).

Timeouts keep `Timeouts`' meaning: `connect` bounds opening a connection, the total
bounds the whole exchange, and `first_byte` bounds the wait for the answer to
start and then each later read. One timer per call checks both, re-armed only when
it fires early, rather than a timeout scope (docs/benchmarks.md: a scope costs
three getpid() system calls). A stream not whole by its total is cut as
`AiohttpUpstream.stream` cuts it: the read under way, or the next one, is a
timeout, in whichever task reads; what arrived whole can still be read. A stream
whose reader falls behind stops being read from the socket past
`http1_connection.READ_AHEAD`, so the upstream waits rather than this process
holding the answer in memory.

Failures are translated by `transport.translated`, as for aiohttp: timeouts are
UpstreamTimeout, a body its Content-Encoding cannot explain is UpstreamBadResponse,
anything else (refused, reset, truncated, malformed) is UpstreamConnectionError.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

from multidict import CIMultiDict
from yarl import URL

from airouter.providers.bodies import decoded, stream_lines
from airouter.providers.http1_connection import Answer, Broken, Connection
from airouter.providers.transport import (
    AiohttpUpstream,
    Target,
    UpstreamReply,
    UpstreamStream,
    proxy_for,
    translated,
)

DEFAULT_LIMIT = 512
"""Requests in flight at once, as AiohttpUpstream's connector allows connections."""
DEFAULT_KEEPALIVE = 30.0
"""Seconds an idle connection is kept for reuse."""
WHOLE_ENCODINGS = b"gzip, deflate"
"""What a whole answer may come compressed with (as aiohttp asks)."""
STREAM_ENCODINGS = b"identity"
"""A stream is asked to come uncompressed: each event is wanted as soon as it is sent."""
USER_AGENT = b"User-Agent: airouter\r\n"
FRAMING = frozenset({"content-length", "transfer-encoding"})
"""Headers a caller cannot set: the client frames the body it sends."""


@dataclass(frozen=True, slots=True)
class _Origin:
    """Where one URL's requests go, worked out once per URL."""

    key: tuple[str, str, int]  # scheme, host, port: connections are shared per origin
    host: str
    port: int
    tls: ssl.SSLContext | None
    request_line: bytes
    host_line: bytes


class Http1Upstream:
    """`Upstream` over the project's own pooled HTTP/1.1 connections (module docstring).

    `tls` verifies https targets; by default the system's trusted CAs (honouring
    SSL_CERT_FILE). Proxied targets and URLs with credentials go to `fallback`.
    """

    def __init__(
        self,
        *,
        tls: ssl.SSLContext | None = None,
        limit: int = DEFAULT_LIMIT,
        keepalive: float = DEFAULT_KEEPALIVE,
        fallback: AiohttpUpstream | None = None,
    ) -> None:
        self._tls = tls
        self._keepalive = keepalive
        self._slots = asyncio.Semaphore(limit)
        self._fallback = fallback if fallback is not None else AiohttpUpstream()
        self._origins: dict[str, _Origin | None] = {}  # None: handed to the fallback
        self._idle: dict[tuple[str, str, int], deque[Connection]] = {}
        self._sweeper: asyncio.TimerHandle | None = None

    async def post(self, target: Target, body: bytes, headers: Mapping[str, str]) -> UpstreamReply:
        origin = self._origin(target.url)
        if origin is None:
            return await self._fallback.post(target, body, headers)
        connection, answer = await self._send(origin, target, body, headers, streamed=False)
        self._done_with(origin, connection)
        return _reply(target.name, answer)

    @asynccontextmanager
    async def stream(
        self, target: Target, body: bytes, headers: Mapping[str, str]
    ) -> AsyncIterator[UpstreamStream]:
        origin = self._origin(target.url)
        if origin is None:
            async with self._fallback.stream(target, body, headers) as handed:
                yield handed
            return
        connection, answer = await self._send(origin, target, body, headers, streamed=True)
        try:
            reply = CIMultiDict(answer.headers)
            lines = stream_lines(
                target.name, _reader(target.name, connection), reply.get("Content-Encoding")
            )
            if answer.status >= 400:  # read to the end, so the connection can be reused
                async for _ in lines:
                    pass
            yield UpstreamStream(answer.status, reply, lines)
        finally:
            self._done_with(origin, connection)

    async def aclose(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()
        await self._fallback.aclose()

    def _origin(self, url: str) -> _Origin | None:
        """Where `url`'s requests go, or None for the fallback's (module docstring);
        worked out once per URL."""
        if url in self._origins:
            return self._origins[url]
        parsed = URL(url)
        host, authority = parsed.raw_host, parsed.host_port_subcomponent
        found: _Origin | None = None
        if (
            parsed.scheme in ("http", "https")
            and host
            and authority
            and not parsed.user
            and proxy_for(url).url is None
        ):
            tls = self._tls_context() if parsed.scheme == "https" else None
            port = parsed.port or (443 if tls else 80)
            path = parsed.raw_path_qs.encode("ascii")
            request_line = b"POST %s HTTP/1.1\r\n" % path
            host_line = b"Host: %s\r\n" % authority.encode("ascii")
            found = _Origin((parsed.scheme, host, port), host, port, tls, request_line, host_line)
        self._origins[url] = found
        return found

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = ssl.create_default_context()
        return self._tls

    def _request(
        self,
        origin: _Origin,
        target: Target,
        body: bytes,
        headers: Mapping[str, str],
        encodings: bytes,
    ) -> bytes:
        lines = [origin.request_line]
        # Ours unless the target or the call names its own; the body's framing is ours.
        defaults = {
            "host": origin.host_line,
            "user-agent": USER_AGENT,
            "accept-encoding": b"Accept-Encoding: %s\r\n" % encodings,
        }
        merged = {**target.headers, **headers} if headers else target.headers
        for name, value in merged.items():
            if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
                # What aiohttp refuses too: a line break would smuggle a header in.
                raise ValueError(f"a line break in the {name!r} header for {target.name}")
            key = name.lower()
            if key in FRAMING:
                continue
            defaults.pop(key, None)
            lines.append(b"%s: %s\r\n" % (name.encode("latin-1"), value.encode("latin-1")))
        lines.extend(defaults.values())
        lines.append(b"Content-Length: %d\r\n\r\n" % len(body))
        lines.append(body)
        return b"".join(lines)

    async def _slot(self, name: str, deadline: float | None) -> None:
        """One of the `limit` calls in flight; waiting for it counts toward the total."""
        if not self._slots.locked():
            await self._slots.acquire()  # free: at once
            return
        try:
            async with asyncio.timeout_at(deadline):
                await self._slots.acquire()
        except TimeoutError:
            raise translated(name, TimeoutError()) from None

    async def _send(
        self,
        origin: _Origin,
        target: Target,
        body: bytes,
        headers: Mapping[str, str],
        streamed: bool,
    ) -> tuple[Connection, Answer]:
        """Sends the request within one of the `limit` slots, on an idle connection or
        a new one, and waits for the whole answer (a stream: its head). The slot and
        the connection are the caller's until `_done_with`; on a failure, given back."""
        loop = asyncio.get_running_loop()
        timeouts = target.timeouts
        deadline = None if timeouts.total is None else loop.time() + timeouts.total
        encodings = STREAM_ENCODINGS if streamed else WHOLE_ENCODINGS
        request = self._request(origin, target, body, headers, encodings)
        await self._slot(target.name, deadline)
        try:
            connection = await self._connection(origin, target, deadline, loop)
            waiter = connection.exchange(request, deadline, timeouts.first_byte, streamed)
            return connection, await _answered(target.name, connection, waiter)
        except BaseException:
            self._slots.release()
            raise

    async def _connection(
        self,
        origin: _Origin,
        target: Target,
        deadline: float | None,
        loop: asyncio.AbstractEventLoop,
    ) -> Connection:
        """An idle connection to `origin`, the newest (the likeliest still open), or a
        new one."""
        idle = self._idle.get(origin.key)
        now = loop.time()
        while idle:
            connection = idle.pop()
            if connection.usable(now, self._keepalive):
                return connection
            connection.close()
        return await self._connect(origin, target, deadline)

    def _done_with(self, origin: _Origin, connection: Connection) -> None:
        """Gives the slot back, and the connection to the pool if its answer came whole,
        was read to the end (a stream's reader may leave early), and it may be reused;
        else closes it."""
        self._slots.release()
        if connection.answer.whole and connection.unread == 0 and connection.reusable:
            self._release(origin, connection, connection.loop)
        else:
            connection.close()

    def _release(
        self, origin: _Origin, connection: Connection, loop: asyncio.AbstractEventLoop
    ) -> None:
        connection.idle_since = loop.time()
        idle = self._idle.get(origin.key)
        if idle is None:
            idle = self._idle[origin.key] = deque()
        idle.append(connection)
        if self._sweeper is None:
            self._sweeper = loop.call_later(self._keepalive, self._sweep, loop)

    def _sweep(self, loop: asyncio.AbstractEventLoop) -> None:
        """Closes the connections idle for `keepalive`; again later while any wait."""
        self._sweeper = None
        now = loop.time()
        for idle in self._idle.values():
            while idle and not idle[0].usable(now, self._keepalive):  # oldest first
                idle.popleft().close()
        if any(self._idle.values()):
            self._sweeper = loop.call_later(self._keepalive, self._sweep, loop)

    async def _connect(self, origin: _Origin, target: Target, deadline: float | None) -> Connection:
        loop = asyncio.get_running_loop()
        limit = target.timeouts.connect
        if limit is not None:
            due = loop.time() + limit
            deadline = due if deadline is None else min(deadline, due)
        try:
            async with asyncio.timeout_at(deadline):
                _, connection = await loop.create_connection(
                    lambda: Connection(loop),
                    origin.host,
                    origin.port,
                    ssl=origin.tls,
                    server_hostname=origin.host if origin.tls else None,
                )
        except (TimeoutError, OSError) as exc:  # ssl.SSLError is an OSError
            raise translated(target.name, exc) from None
        return connection


async def _answered(name: str, connection: Connection, waiter: asyncio.Future[Answer]) -> Answer:
    """The answer (or a stream's head) `waiter` brings; on any failure, or if the
    caller is cancelled while the answer may still come, the connection is closed."""
    try:
        return await waiter
    except BaseException as exc:
        connection.close()
        if isinstance(exc, (TimeoutError, OSError, Broken)):
            raise translated(name, exc) from None
        raise


def _reply(name: str, answer: Answer) -> UpstreamReply:
    headers = CIMultiDict(answer.headers)
    body = decoded(name, headers.get("Content-Encoding"), b"".join(answer.body))
    return UpstreamReply(answer.status, headers, body)


def _reader(name: str, connection: Connection) -> Callable[[], Awaitable[bytes]]:
    """`connection.read`, its failures translated into the project's errors."""

    async def read() -> bytes:
        try:
            return await connection.read()
        except (TimeoutError, Broken) as exc:
            raise translated(name, exc) from None

    return read
