"""A bare upstream seam for experiments: what a leaner HTTP client would buy at most.

`FloorUpstream` speaks just enough HTTP/1.1 to POST to the bench's nginx over
kept-alive connections: httptools (uvicorn's parser) reads the answers, one
connection serves one request at a time, and idle ones wait in a list. No TLS,
proxies, timeouts, redirects, streams or error translation: it is not a client
anyone should ship, it is the floor `bench/client_cold.py` measures one call
against, made pluggable so `bench/experiments.py --variants router,router+floor`
shows what the upstream client costs the router at the socket level.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import cast
from urllib.parse import urlsplit

import httptools

from airouter.errors import UpstreamConnectionError
from airouter.providers.transport import Target, UpstreamReply, UpstreamStream


class _Connection(asyncio.Protocol):
    """One kept-alive connection; `answer()` waits for the next whole response."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[UpstreamReply] | None = None
        self.headers: dict[str, str] = {}
        self.body: list[bytes] = []
        self.open = True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        self._fail(exc or ConnectionResetError("closed by the upstream"))

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        reply = UpstreamReply(self.parser.get_status_code(), self.headers, b"".join(self.body))
        self.open = self.open and self.parser.should_keep_alive()
        self.headers, self.body = {}, []
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(reply)

    def _fail(self, exc: BaseException) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)


class WholeAnswersOnly:
    """For the bench's own upstream seams: the benchmark never streams."""

    @asynccontextmanager
    async def stream(
        self, target: Target, body: bytes, headers: Mapping[str, str]
    ) -> AsyncIterator[UpstreamStream]:
        raise NotImplementedError("this bench seam sends whole completions only")
        yield  # a generator, for asynccontextmanager


class FloorUpstream(WholeAnswersOnly):
    """The `Upstream` seam, whole answers over plain HTTP only (see the module docstring)."""

    def __init__(self) -> None:
        self._idle: dict[tuple[str, int], list[_Connection]] = {}
        self._parts: dict[str, tuple[str, int, bytes]] = {}

    async def post(self, target: Target, body: bytes, headers: Mapping[str, str]) -> UpstreamReply:
        host, port, path = self._parts.get(target.url) or self._split(target.url)
        idle = self._idle.setdefault((host, port), [])
        connection = idle.pop() if idle else await self._connect(target.name, host, port)
        lines = [b"POST %s HTTP/1.1\r\nHost: %s:%d\r\n" % (path, host.encode(), port)]
        for name, value in {**target.headers, **headers}.items():
            lines.append(b"%s: %s\r\n" % (name.encode("latin-1"), value.encode("latin-1")))
        lines.append(b"Content-Length: %d\r\n\r\n" % len(body))
        connection.waiter = asyncio.get_running_loop().create_future()
        assert connection.transport is not None
        connection.transport.write(b"".join(lines) + body)
        try:
            reply = await connection.waiter
        except (OSError, httptools.HttpParserError) as exc:
            connection.transport.close()
            raise UpstreamConnectionError(
                f"{target.name} unreachable ({type(exc).__name__})", deployment=target.name
            ) from None
        if connection.open:
            idle.append(connection)
        else:
            connection.transport.close()
        return reply

    async def aclose(self) -> None:
        for connections in self._idle.values():
            for connection in connections:
                if connection.transport is not None:
                    connection.transport.close()
        self._idle.clear()

    def _split(self, url: str) -> tuple[str, int, bytes]:
        parts = urlsplit(url)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"the floor seam speaks plain http only, not {url}")
        found = (parts.hostname, parts.port or 80, (parts.path or "/").encode())
        self._parts[url] = found
        return found

    async def _connect(self, name: str, host: str, port: int) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            _, connection = await loop.create_connection(_Connection, host, port)
        except OSError as exc:
            raise UpstreamConnectionError(
                f"{name} unreachable ({type(exc).__name__})", deployment=name
            ) from None
        return connection
