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

Each connection is an asyncio protocol feeding httptools (uvicorn's HTTP parser)
and serves one request at a time. Idle connections wait per origin, newest used
first, and are closed after `keepalive` seconds unused; at most `limit` requests
are in flight at once. A connection is never reused after a call that did not end
with a whole answer (timeout, cancellation, broken answer) or whose answer asked
to close. There are no retries: a failure is the caller's to retry (resilience).

Timeouts keep `Timeouts`' meaning: `connect` bounds opening a connection, the total
bounds the whole exchange, and `first_byte` bounds the wait for the answer to
start and then each later read. One timer per call checks both, re-armed only when
it fires early, rather than a timeout scope (docs/benchmarks.md: a scope costs
three getpid() system calls). A stream not whole by its total is cut as
`AiohttpUpstream.stream` cuts it: the read under way, or the next one, is a
timeout, in whichever task reads; what arrived whole can still be read. A stream
whose reader falls behind stops being read from the socket (`READ_AHEAD`), so the
upstream waits rather than this process holding the answer in memory.

Failures are translated as in `airouter.providers.transport`: timeouts are
UpstreamTimeout, a body its Content-Encoding cannot explain is UpstreamBadResponse,
anything else (refused, reset, truncated, malformed) is UpstreamConnectionError.
"""

from __future__ import annotations

import asyncio
import ssl
import zlib
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import cast

import httptools
from multidict import CIMultiDict
from yarl import URL

from airouter.errors import (
    UpstreamBadResponse,
    UpstreamConnectionError,
    UpstreamError,
    UpstreamTimeout,
)
from airouter.providers.transport import (
    MAX_LINE_BYTES,
    AiohttpUpstream,
    Target,
    UpstreamReply,
    UpstreamStream,
    proxy_for,
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
READ_AHEAD = 256 * 1024
"""Bytes of a stream received but not yet read past which its socket is not read."""


@dataclass(frozen=True, slots=True)
class _Origin:
    """Where one URL's requests go, worked out once per URL."""

    key: tuple[str, str, int]  # scheme, host, port: connections are shared per origin
    host: str
    port: int
    tls: ssl.SSLContext | None
    request_line: bytes
    host_line: bytes


class _Answer:
    """What the parser collected of one answer: its head, then its body's pieces."""

    __slots__ = ("body", "headers", "status", "whole")

    def __init__(self) -> None:
        self.status = 0
        self.headers: list[tuple[str, str]] = []
        self.body: deque[bytes] = deque()
        self.whole = False


class _Broken(Exception):
    """The answer ended before it was whole, or made no sense."""


class _Connection(asyncio.Protocol):
    """One kept-alive connection. `exchange` sends a request and waits for the whole
    answer, or with `streamed` only for its head, the body then coming by `read`."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.answer = _Answer()  # the caller's
        self.parsing = self.answer  # what the parser fills: the caller's, or a stray one
        self.waiter: asyncio.Future[_Answer] | None = None
        self.streamed = False
        self.more: asyncio.Future[None] | None = None  # a stream's reader waiting
        self.unread = 0  # bytes of a stream's body received and not yet read
        self.paused = False
        self.error: BaseException | None = None
        self.closed = False  # by us: the end of the connection is not the end of a body
        self.reusable = True
        self.idle_since = 0.0
        # The call's timer (see the module docstring): when it fires it checks both
        # the total's deadline and the time since the last read.
        self.timer: asyncio.TimerHandle | None = None
        self.deadline: float | None = None
        self.read_limit: float | None = None
        self.last_read = 0.0
        self.until_close = False  # the answer has no length: its body ends at the close

    # What Http1Upstream calls

    def exchange(
        self,
        request: bytes,
        deadline: float | None,
        read_limit: float | None,
        streamed: bool = False,
    ) -> asyncio.Future[_Answer]:
        assert self.transport is not None
        self.answer = self.parsing = _Answer()
        self.waiter = self.loop.create_future()
        self.streamed, self.error, self.unread = streamed, None, 0
        self.deadline, self.read_limit = deadline, read_limit
        self.last_read = self.loop.time()
        self._arm()
        self.transport.write(request)
        return self.waiter

    async def read(self) -> bytes:
        """The next piece of a streamed body as it came; b"" once it is whole. Raises
        what ended it otherwise (TimeoutError at the deadline, _Broken)."""
        body = self.answer.body
        while not body:
            if self.answer.whole:
                return b""
            if self.error is not None:
                raise self.error
            self.more = self.loop.create_future()
            await self.more
        piece = body.popleft()
        self.unread -= len(piece)
        if self.paused and self.unread < READ_AHEAD // 2 and self.transport is not None:
            self.paused = False
            self.last_read = self.loop.time()  # the upstream was not slow: we were
            self.transport.resume_reading()
        return piece

    def usable(self, now: float, keepalive: float) -> bool:
        return (
            self.reusable
            and self.transport is not None
            and not self.transport.is_closing()
            and now - self.idle_since < keepalive
        )

    def close(self) -> None:
        """Drops the connection at once: abort(), not close(), which would first wait
        to send whatever of a request is still buffered to an upstream not reading."""
        self.reusable = False
        self.closed = True
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if self.transport is not None:
            self.transport.abort()

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        self.last_read = self.loop.time()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(_Broken(f"malformed answer ({exc})"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.reusable = False
        if self.parsing.status and self.until_close and exc is None and not self.closed:
            self.on_message_complete()  # a body without a length ends here
        else:
            self._fail(_Broken("the connection closed before the answer was whole"))

    # httptools' callbacks

    def on_message_begin(self) -> None:
        if self.parsing.whole:  # an answer nobody asked for: nothing more to trust here
            self.parsing = _Answer()  # filled and dropped; the caller's stays as it came
            self._fail(_Broken("an answer to no request"))
            self.close()

    def on_header(self, name: bytes, value: bytes) -> None:
        self.parsing.headers.append((name.decode("latin-1"), value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        answer = self.parsing
        answer.status = self.parser.get_status_code()
        names = {name.lower() for name, _ in answer.headers}
        self.until_close = (
            "content-length" not in names
            and "transfer-encoding" not in names
            and answer.status >= 200
            and answer.status not in (204, 304)
        )
        if self.streamed and answer.status >= 200 and self.waiter and not self.waiter.done():
            self.waiter.set_result(answer)

    def on_body(self, body: bytes) -> None:
        self.parsing.body.append(body)
        if self.streamed and self.parsing is self.answer:
            self.unread += len(body)
            if self.unread > READ_AHEAD and not self.paused and self.transport is not None:
                self.paused = True
                self.transport.pause_reading()
            self._wake()

    def on_message_complete(self) -> None:
        answer = self.parsing
        if answer.status < 200:  # 1xx: an interim answer, the real one follows
            self.answer = self.parsing = _Answer()
            return
        answer.whole = True
        if answer is not self.answer or self.waiter is None:
            self.close()  # an answer nobody asked for
            return
        self.reusable = self.reusable and self.parser.should_keep_alive()
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if self.streamed:
            self._wake()
        elif not self.waiter.done():
            self.waiter.set_result(answer)
        else:  # its caller has gone (cancelled)
            self.close()

    # the call's timer

    def _arm(self) -> None:
        due = self.deadline
        if self.read_limit is not None:
            read_due = self.last_read + self.read_limit
            due = read_due if due is None else min(due, read_due)
        self.timer = None if due is None else self.loop.call_at(due, self._check)

    def _check(self) -> None:
        self.timer = None
        now = self.loop.time()
        if self.paused:  # our reader is behind, not the upstream
            self.last_read = now
        total_past = self.deadline is not None and now >= self.deadline
        read_past = self.read_limit is not None and now - self.last_read >= self.read_limit
        if total_past or read_past:
            self._fail(TimeoutError())
            self.close()
        else:  # a read came since the timer was set: wait for what is due now
            self._arm()

    def _fail(self, exc: BaseException) -> None:
        self.reusable = False
        if self.error is None:
            self.error = exc
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)
        self._wake()

    def _wake(self) -> None:
        if self.more is not None and not self.more.done():
            self.more.set_result(None)


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
        self._idle: dict[tuple[str, str, int], deque[_Connection]] = {}
        self._sweeper: asyncio.TimerHandle | None = None

    async def post(self, target: Target, body: bytes, headers: Mapping[str, str]) -> UpstreamReply:
        url = target.url
        origin = self._origins[url] if url in self._origins else self._origin(url)
        if origin is None:
            return await self._fallback.post(target, body, headers)
        connection, answer = await self._send(origin, target, body, headers, streamed=False)
        self._done_with(origin, connection)
        return _reply(target.name, answer)

    @asynccontextmanager
    async def stream(
        self, target: Target, body: bytes, headers: Mapping[str, str]
    ) -> AsyncIterator[UpstreamStream]:
        url = target.url
        origin = self._origins[url] if url in self._origins else self._origin(url)
        if origin is None:
            async with self._fallback.stream(target, body, headers) as handed:
                yield handed
            return
        connection, answer = await self._send(origin, target, body, headers, streamed=True)
        try:
            reply = CIMultiDict(answer.headers)
            lines = stream_lines(target.name, connection.read, reply.get("Content-Encoding"))
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
        """Where `url`'s requests go, or None for the fallback's (module docstring)."""
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
            raise _translated(name, TimeoutError()) from None

    async def _send(
        self,
        origin: _Origin,
        target: Target,
        body: bytes,
        headers: Mapping[str, str],
        streamed: bool,
    ) -> tuple[_Connection, _Answer]:
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
    ) -> _Connection:
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

    def _done_with(self, origin: _Origin, connection: _Connection) -> None:
        """Gives the slot back, and the connection to the pool if its answer came whole,
        was read to the end (a stream's reader may leave early), and it may be reused;
        else closes it."""
        self._slots.release()
        if connection.answer.whole and connection.unread == 0 and connection.reusable:
            self._release(origin, connection, connection.loop)
        else:
            connection.close()

    def _release(
        self, origin: _Origin, connection: _Connection, loop: asyncio.AbstractEventLoop
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

    async def _connect(
        self, origin: _Origin, target: Target, deadline: float | None
    ) -> _Connection:
        loop = asyncio.get_running_loop()
        limit = target.timeouts.connect
        if limit is not None:
            due = loop.time() + limit
            deadline = due if deadline is None else min(deadline, due)
        try:
            async with asyncio.timeout_at(deadline):
                _, connection = await loop.create_connection(
                    lambda: _Connection(loop),
                    origin.host,
                    origin.port,
                    ssl=origin.tls,
                    server_hostname=origin.host if origin.tls else None,
                )
        except (TimeoutError, OSError) as exc:  # ssl.SSLError is an OSError
            raise _translated(target.name, exc) from None
        return connection


async def _answered(name: str, connection: _Connection, waiter: asyncio.Future[_Answer]) -> _Answer:
    """The answer (or a stream's head) `waiter` brings; on any failure, or if the
    caller is cancelled while the answer may still come, the connection is closed."""
    try:
        return await waiter
    except BaseException as exc:
        connection.close()
        if isinstance(exc, (TimeoutError, OSError, _Broken)):
            raise _translated(name, exc) from None
        raise


async def stream_lines(
    name: str, read: Callable[[], Awaitable[bytes]], encoding: str | None
) -> AsyncIterator[bytes]:
    """A streamed body, its pieces from `read` (b"" at the end), line by line, each
    without its line break; decoded first under its Content-Encoding `encoding`.

    No timeout scope: the reader may resume this generator from another task
    (Starlette streams do); the connection's timer ends a read instead."""
    unpack = _unpacker(name, encoding)
    rest = b""
    while True:
        try:
            piece = await read()
        except (TimeoutError, _Broken) as exc:
            raise _translated(name, exc) from None
        finished = not piece
        if unpack is not None:  # a compressed piece may unpack to nothing yet, or more
            piece = _unpacked(name, unpack, piece)
        rest += piece
        start = 0
        while (cut := rest.find(b"\n", start)) >= 0:
            yield rest[start:cut].rstrip(b"\r")
            start = cut + 1
        rest = rest[start:]
        if finished:
            if rest:  # the last line, without a line break
                yield rest.rstrip(b"\r")
            return
        if len(rest) > MAX_LINE_BYTES:
            raise _unreadable(name, "a stream line too long")


class _Unpacker:
    """Undoes a Content-Encoding piece by piece: gzip, or deflate (zlib-wrapped as the
    standard says, or raw as some servers send it), in one or more members as gzip
    allows. `zlib.error` for a corrupt piece or a body cut off inside a member.

    Not aiohttp's decompressor: it is private to aiohttp (`aiohttp.compression_utils`)."""

    def __init__(self, encoding: str) -> None:
        if encoding not in ("gzip", "deflate"):
            raise zlib.error(f"unknown Content-Encoding {encoding!r}")
        self.encoding = encoding
        self.wbits = zlib.MAX_WBITS | 16 if encoding == "gzip" else zlib.MAX_WBITS
        self.inflate = zlib.decompressobj(self.wbits)
        self.unsure: bytes | None = b""  # fed before any output: raw deflate retries it
        self.inside = False  # fed part of a member not yet ended

    def feed(self, data: bytes) -> bytes:
        out = []
        while data:
            self.inside = True
            try:
                out.append(self.inflate.decompress(data))
            except zlib.error:
                if self.encoding != "deflate" or self.unsure is None or self.wbits < 0:
                    raise
                self.wbits = -zlib.MAX_WBITS  # not zlib-wrapped: raw, from the start
                self.inflate = zlib.decompressobj(self.wbits)
                data, self.unsure = self.unsure + data, None
                continue
            if self.unsure is not None:
                self.unsure = None if out[-1] or self.inflate.eof else self.unsure + data
            if not self.inflate.eof:
                break
            self.inside = False  # a member ended; what follows is the next one's
            data = self.inflate.unused_data
            self.inflate = zlib.decompressobj(self.wbits)
        return b"".join(out)

    def end(self) -> bytes:
        if self.inside:
            raise zlib.error("the body ended inside a compressed member")
        return b""


def _unpacker(name: str, encoding: str | None) -> _Unpacker | None:
    """The decoder for a body's Content-Encoding; None for none."""
    encoding = (encoding or "").strip().lower()
    if encoding in ("", "identity"):
        return None
    try:
        return _Unpacker(encoding)
    except zlib.error:
        raise _unreadable(name, f"Content-Encoding {encoding!r}") from None


def _unpacked(name: str, unpack: _Unpacker, piece: bytes) -> bytes:
    """`piece` decoded; b"" ends the body."""
    try:
        return unpack.feed(piece) if piece else unpack.end()
    except zlib.error:
        raise _unreadable(name, "a body its Content-Encoding cannot explain") from None


def _reply(name: str, answer: _Answer) -> UpstreamReply:
    headers = CIMultiDict(answer.headers)
    body = b"".join(answer.body)
    if body and (unpack := _unpacker(name, headers.get("Content-Encoding"))) is not None:
        body = _unpacked(name, unpack, body) + _unpacked(name, unpack, b"")
    return UpstreamReply(answer.status, headers, body)


def _unreadable(name: str, why: str) -> UpstreamBadResponse:
    return UpstreamBadResponse(f"{name} sent an unreadable response ({why})", deployment=name)


def _translated(name: str, exc: BaseException) -> UpstreamError:
    if isinstance(exc, TimeoutError):
        return UpstreamTimeout(f"{name} timed out", deployment=name)
    return UpstreamConnectionError(f"{name} unreachable ({type(exc).__name__})", deployment=name)
