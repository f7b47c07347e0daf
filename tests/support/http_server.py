"""Local HTTP servers on 127.0.0.1 that the upstream clients' tests talk to.

`serve()` runs an aiohttp.web app (real sockets, in the test's own loop) whose paths
each answer one way — echo, slow, trickling, compressed, lying about the encoding,
streaming — and counts what each path received; `serve_raw()` writes exact bytes
for the answers no well-behaved server would send.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web

from airouter.providers.transport import Target, Timeouts, Upstream

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@dataclass
class Server:
    """An aiohttp.web app on a free port, counting the requests each path received
    and those whose client hung up before the answer."""

    url: str
    hits: dict[str, int] = field(default_factory=dict)
    abandoned: dict[str, int] = field(default_factory=dict)
    sent: dict[str, int] = field(default_factory=dict)  # body bytes written, by path
    open_connections: Callable[[], int] = lambda: 0

    def target(self, path: str, **timeouts: float) -> Target:
        return Target(
            "up", f"{self.url}{path}", {"Content-Type": "text/plain"}, Timeouts(**timeouts)
        )


async def echo(request: web.Request) -> web.Response:
    """What arrived, and from which client port; after `?wait=` seconds."""
    await asyncio.sleep(float(request.query.get("wait", "0")))
    peer = request.transport.get_extra_info("peername") if request.transport else None
    answer = {
        "peer_port": peer[1] if peer else None,
        "method": request.method,
        "path": request.path_qs,
        "headers": {k.lower(): v for k, v in request.headers.items()},
        "body": (await request.read()).decode(),
    }
    return web.json_response(answer)


async def set_cookie(_: web.Request) -> web.Response:
    response = web.json_response({})
    response.set_cookie("session", "s3cret", path="/")
    return response


async def redirect(_: web.Request) -> web.Response:
    return web.Response(status=302, headers={"Location": "/echo"})


async def slow(_: web.Request) -> web.Response:
    await asyncio.sleep(2)
    return web.json_response({})


async def gzip_lie(_: web.Request) -> web.Response:
    return web.Response(body=b"not gzip at all", headers={"Content-Encoding": "gzip"})


COMPRESSED_TEXT = b'{"choices": "' + b"a long answer, " * 200 + b'"}'


async def gzipped(_: web.Request) -> web.Response:
    packer = zlib.compressobj(wbits=zlib.MAX_WBITS | 16)
    body = packer.compress(COMPRESSED_TEXT) + packer.flush()
    return web.Response(body=body, headers={"Content-Encoding": "gzip"})


async def deflated(request: web.Request) -> web.Response:
    """zlib-wrapped deflate, as the standard says, or raw (?raw=1), as some servers send."""
    wbits = -zlib.MAX_WBITS if request.query.get("raw") else zlib.MAX_WBITS
    packer = zlib.compressobj(wbits=wbits)
    body = packer.compress(COMPRESSED_TEXT) + packer.flush()
    return web.Response(body=body, headers={"Content-Encoding": "deflate"})


async def rate_limited(_: web.Request) -> web.Response:
    return web.Response(status=429, body=b"slow down " * 100, headers={"Retry-After": "2"})


async def closing(_: web.Request) -> web.Response:
    return web.json_response({"bye": True}, headers={"Connection": "close"})


SENT = web.AppKey("sent", dict[str, int])


async def events(request: web.Request) -> web.StreamResponse:
    """Server-sent events `w0`, `w1`, ... every `gap` seconds, then `[DONE]` (chunked;
    gzip-compressed with `?gzip=1`, whatever the client asked for)."""
    gap = float(request.query.get("gap", "0"))
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    if request.query.get("gzip"):
        response.enable_compression(force=web.ContentCoding.gzip)
    await response.prepare(request)
    for i in range(int(request.query.get("n", "3"))):
        await response.write(f"data: w{i}\r\n\r\n".encode())
        await asyncio.sleep(gap)
    await response.write(b"data: [DONE]\n\n")
    return response


async def lines(request: web.Request) -> web.Response:
    """`?n=` lines of 99 bytes and a line break, in one answer with a Content-Length."""
    line = b"data: " + b"l" * 93 + b"\n"
    return web.Response(body=line * int(request.query.get("n", "4000")))


FLOOD_EVENT = b"data: " + b"x" * (1024 * 1024) + b"\n\n"
FLOOD_EVENTS = 64


async def flood(request: web.Request) -> web.StreamResponse:
    """FLOOD_EVENTS events of 1 MiB each, as fast as the client takes them, counting
    the bytes written in `Server.sent`."""
    sent = request.app[SENT]
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    for _ in range(FLOOD_EVENTS):
        await response.write(FLOOD_EVENT)  # waits while the client does not read
        sent["/flood"] = sent.get("/flood", 0) + len(FLOOD_EVENT)
    return response


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
HANDLERS: dict[str, Handler] = {
    "/echo": echo,
    "/set-cookie": set_cookie,
    "/redirect": redirect,
    "/slow": slow,
    "/gzip-lie": gzip_lie,
    "/gzip": gzipped,
    "/deflate": deflated,
    "/rate-limited": rate_limited,
    "/close": closing,
    "/events": events,
    "/flood": flood,
    "/lines": lines,
}


@asynccontextmanager
async def serve(
    tls: ssl.SSLContext | None = None, keepalive: float = 75.0
) -> AsyncIterator[Server]:
    """The app on a free port of 127.0.0.1, over TLS with `tls`, closing connections
    idle for `keepalive` seconds."""
    app = web.Application()
    runner = web.AppRunner(
        app, handler_cancellation=True, shutdown_timeout=0.1, keepalive_timeout=keepalive
    )
    counted = Server("")
    app[SENT] = counted.sent

    def counting(path: str, handler: Handler) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            counted.hits[path] = counted.hits.get(path, 0) + 1
            try:
                return await handler(request)
            except asyncio.CancelledError:  # handler_cancellation: the client hung up
                counted.abandoned[path] = counted.abandoned.get(path, 0) + 1
                raise

        return handle

    for path, handler in HANDLERS.items():
        app.router.add_route("*", path, counting(path, handler))
    await runner.setup()
    assert runner.server is not None
    server = runner.server
    counted.open_connections = lambda: len(server.connections)
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=tls)
    await site.start()
    scheme = "https" if tls else "http"
    counted.url = f"{scheme}://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield counted
    finally:
        await runner.cleanup()


async def serve_raw(answer: bytes) -> tuple[asyncio.Server, str]:
    """A server that reads a request's head, writes `answer` and hangs up."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(answer)
        await writer.drain()
        writer.close()

    raw = await asyncio.start_server(handle, "127.0.0.1", 0)
    return raw, f"http://127.0.0.1:{raw.sockets[0].getsockname()[1]}/"


async def eventually(check: Callable[[], bool], within: float = 2.0) -> None:
    """Waits until `check()` holds, failing after `within` seconds. It polls: what it
    waits for happens inside aiohttp's server, which signals no event for it."""
    async with asyncio.timeout(within):
        while not check():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


async def serve_trickle(head: bytes, gap: float) -> tuple[asyncio.Server, str]:
    """A server that reads a request's head, writes `head`, then `data: <n>` events
    every `gap` seconds until the client hangs up."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(head)
        try:
            for n in range(100_000):
                writer.write(b"data: %d\n\n" % n)
                await writer.drain()
                await asyncio.sleep(gap)
        except ConnectionError:
            pass
        finally:
            writer.close()

    raw = await asyncio.start_server(handle, "127.0.0.1", 0)
    return raw, f"http://127.0.0.1:{raw.sockets[0].getsockname()[1]}/"


def gzipped_members(*parts: bytes) -> bytes:
    """`parts` gzip-compressed, each its own member, one after the other."""
    members = []
    for part in parts:
        packer = zlib.compressobj(wbits=zlib.MAX_WBITS | 16)
        members.append(packer.compress(part) + packer.flush())
    return b"".join(members)


async def echoed(upstream: Upstream, server: Server, **headers: str) -> dict[str, object]:
    reply = await upstream.post(server.target("/echo"), b"hello", headers)
    assert reply.status == 200
    found: dict[str, object] = json.loads(reply.body)
    return found


async def assert_one_connection_reused(upstream: Upstream, server: Server) -> None:
    """Two calls in a row arrive from the same client port: one kept-alive connection."""
    first = await echoed(upstream, server)
    second = await echoed(upstream, server)
    assert first["peer_port"] == second["peer_port"]
