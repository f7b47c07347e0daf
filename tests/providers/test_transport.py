"""`AiohttpUpstream` against real local servers on 127.0.0.1 (in-process, real sockets)."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from airouter.errors import UpstreamBadResponse, UpstreamConnectionError, UpstreamTimeout
from airouter.providers.transport import AiohttpUpstream, Target, Timeouts

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@dataclass
class Server:
    """An aiohttp.web app on a free port, counting the requests each path received."""

    url: str
    hits: dict[str, int] = field(default_factory=dict)

    def target(self, path: str, **timeouts: float) -> Target:
        return Target(
            "up", f"{self.url}{path}", {"Content-Type": "text/plain"}, Timeouts(**timeouts)
        )


async def echo(request: web.Request) -> web.Response:
    peer = request.transport.get_extra_info("peername") if request.transport else None
    answer = {
        "peer_port": peer[1] if peer else None,
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


async def rate_limited(_: web.Request) -> web.Response:
    return web.Response(status=429, body=b"slow down " * 100, headers={"Retry-After": "2"})


async def events(request: web.Request) -> web.StreamResponse:
    """Server-sent events `w0`, `w1`, ... every `gap` seconds, then `[DONE]`."""
    gap = float(request.query.get("gap", "0"))
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    for i in range(int(request.query.get("n", "3"))):
        await response.write(f"data: w{i}\r\n\r\n".encode())
        await asyncio.sleep(gap)
    await response.write(b"data: [DONE]\n\n")
    return response


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
HANDLERS: dict[str, Handler] = {
    "/echo": echo,
    "/set-cookie": set_cookie,
    "/redirect": redirect,
    "/slow": slow,
    "/gzip-lie": gzip_lie,
    "/rate-limited": rate_limited,
    "/events": events,
}


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    app = web.Application()
    runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=0.1)
    counted = Server("")

    def counting(path: str, handler: Handler) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            counted.hits[path] = counted.hits.get(path, 0) + 1
            return await handler(request)

        return handle

    for path, handler in HANDLERS.items():
        app.router.add_route("*", path, counting(path, handler))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    counted.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield counted
    await runner.cleanup()


@pytest.fixture
async def upstream(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[AiohttpUpstream]:
    for name in PROXY_VARIABLES:  # this machine's proxy settings must not matter here
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    up = AiohttpUpstream()
    yield up
    await up.aclose()


async def echoed(upstream: AiohttpUpstream, server: Server, **headers: str) -> dict[str, object]:
    reply = await upstream.post(server.target("/echo"), b"hello", headers)
    assert reply.status == 200
    found: dict[str, object] = json.loads(reply.body)
    return found


async def assert_one_connection_reused(upstream: AiohttpUpstream, server: Server) -> None:
    """Two calls in a row arrive from the same client port: one kept-alive connection."""
    first = await echoed(upstream, server)
    second = await echoed(upstream, server)
    assert first["peer_port"] == second["peer_port"]


async def test_the_targets_and_the_requests_headers_and_the_body_arrive(
    upstream: AiohttpUpstream, server: Server
) -> None:
    seen = await echoed(upstream, server, **{"X-Correlation-ID": "cid-1"})
    headers = seen["headers"]
    assert isinstance(headers, dict)
    assert (headers["content-type"], headers["x-correlation-id"]) == ("text/plain", "cid-1")
    assert seen["body"] == "hello"


async def test_two_calls_reuse_one_kept_alive_connection(
    upstream: AiohttpUpstream, server: Server
) -> None:
    await assert_one_connection_reused(upstream, server)


async def test_a_cookie_an_answer_sets_is_never_sent_again(
    upstream: AiohttpUpstream, server: Server
) -> None:
    # By name, not by IP address: aiohttp's cookie jars ignore cookies from IP hosts.
    host = server.url.replace("127.0.0.1", "localhost")
    reply = await upstream.post(Target("up", f"{host}/set-cookie", {}, Timeouts()), b"", {})
    assert "session=s3cret" in reply.headers["Set-Cookie"]
    again = await upstream.post(Target("up", f"{host}/echo", {}, Timeouts()), b"", {})
    assert "cookie" not in json.loads(again.body)["headers"]


async def test_a_redirect_is_answered_not_followed(
    upstream: AiohttpUpstream, server: Server
) -> None:
    reply = await upstream.post(server.target("/redirect"), b"", {})
    assert (reply.status, reply.headers["Location"]) == (302, "/echo")
    assert "/echo" not in server.hits


async def test_an_answer_slower_than_first_byte_is_a_timeout(
    upstream: AiohttpUpstream, server: Server
) -> None:
    started = asyncio.get_running_loop().time()
    with pytest.raises(UpstreamTimeout) as caught:
        await upstream.post(server.target("/slow", first_byte=0.1, total=5), b"", {})
    assert asyncio.get_running_loop().time() - started < 1
    assert caught.value.deployment == "up" and caught.value.transient


async def test_a_call_past_its_total_timeout_is_a_timeout(
    upstream: AiohttpUpstream, server: Server
) -> None:
    with pytest.raises(UpstreamTimeout):
        await upstream.post(server.target("/slow", total=0.1), b"", {})


async def test_a_body_that_trickles_past_the_total_timeout_is_a_timeout(
    upstream: AiohttpUpstream, server: Server
) -> None:
    # The headers come at once and each piece well within first_byte: only the total
    # can end it, and it covers reading the body, not just its start.
    started = asyncio.get_running_loop().time()
    with pytest.raises(UpstreamTimeout):
        await upstream.post(server.target("/events?n=20&gap=0.1", first_byte=5, total=0.3), b"", {})
    assert asyncio.get_running_loop().time() - started < 1


def test_a_total_over_five_seconds_is_kept_exact_not_rounded_up() -> None:
    # aiohttp rounds a total over its ceil_threshold (5 s by default) up to the next
    # whole second of the loop's clock: a deployment's 7.5 s could become 8.4 s, past
    # a request deadline the router trusted it to keep (router.service). Waiting that
    # long in a test costs seconds; the setting that keeps it exact is checked instead.
    whole = Timeouts(total=7.5).whole
    assert whole.total == 7.5
    assert whole.ceil_threshold > 10_000


async def test_a_refused_connection_is_unreachable(upstream: AiohttpUpstream) -> None:
    with socket.socket() as s:  # a port nobody listens on once this closes
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    target = Target("up", f"http://127.0.0.1:{port}/", {}, Timeouts(connect=1, total=5))
    with pytest.raises(UpstreamConnectionError) as caught:
        await upstream.post(target, b"", {})
    assert caught.value.transient and caught.value.provider_fault


async def test_a_body_its_content_encoding_cannot_explain_is_a_bad_response(
    upstream: AiohttpUpstream, server: Server
) -> None:
    with pytest.raises(UpstreamBadResponse):
        await upstream.post(server.target("/gzip-lie"), b"", {})


async def serve_raw(answer: bytes) -> tuple[asyncio.Server, str]:
    """A server that reads a request's head, writes `answer` and hangs up."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(answer)
        await writer.drain()
        writer.close()

    raw = await asyncio.start_server(handle, "127.0.0.1", 0)
    return raw, f"http://127.0.0.1:{raw.sockets[0].getsockname()[1]}/"


@pytest.mark.parametrize(
    "answer",
    [b"", b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\ncut short", b"garbage\r\n\r\n"],
)
async def test_a_hang_up_or_a_broken_answer_is_unreachable(
    upstream: AiohttpUpstream, answer: bytes
) -> None:
    raw, url = await serve_raw(answer)
    async with raw:
        with pytest.raises(UpstreamConnectionError):
            await upstream.post(Target("up", url, {}, Timeouts(total=5)), b"", {})


async def test_a_proxy_named_in_the_environment_carries_the_request(
    upstream: AiohttpUpstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw, proxy = await serve_raw(b"HTTP/1.1 204 No Content\r\n\r\n")
    monkeypatch.setenv("HTTP_PROXY", proxy)
    async with raw:
        reply = await upstream.post(Target("up", "http://up.test/v1", {}, Timeouts()), b"", {})
    assert reply.status == 204  # up.test does not exist: only the proxy can have answered


async def test_a_stream_arrives_line_by_line(upstream: AiohttpUpstream, server: Server) -> None:
    async with upstream.stream(server.target("/events?n=2"), b"", {}) as reply:
        lines = [line async for line in reply.lines]
    assert reply.status == 200
    assert lines == [b"data: w0", b"", b"data: w1", b"", b"data: [DONE]", b""]


async def test_a_stream_refused_comes_with_its_body_read_and_no_lines(
    upstream: AiohttpUpstream, server: Server
) -> None:
    async with upstream.stream(server.target("/rate-limited"), b"", {}) as reply:
        assert (reply.status, reply.headers["Retry-After"]) == (429, "2")
        assert [line async for line in reply.lines] == []
    await assert_one_connection_reused(upstream, server)


@pytest.mark.parametrize("pause", [0.0, 0.3], ids=["read-throughout", "no-read-pending"])
async def test_a_stream_past_its_total_timeout_ends_with_a_timeout(
    upstream: AiohttpUpstream, server: Server, pause: float
) -> None:
    target = server.target("/events?n=50&gap=0.02", total=0.15)
    async with upstream.stream(target, b"", {}) as reply:
        lines = aiter(reply.lines)
        assert await anext(lines) == b"data: w0"
        await asyncio.sleep(pause)  # 0.3: the deadline passes while nobody reads
        with pytest.raises(UpstreamTimeout):
            async for _ in lines:
                pass


async def test_an_answer_that_arrived_whole_is_still_read_after_the_deadline(
    upstream: AiohttpUpstream, server: Server
) -> None:
    # The total timeout bounds the upstream, not a reader slower than it.
    async with upstream.stream(server.target("/events?n=2", total=0.1), b"", {}) as reply:
        await asyncio.sleep(0.3)
        lines = [line async for line in reply.lines]
    assert lines == [b"data: w0", b"", b"data: w1", b"", b"data: [DONE]", b""]


async def test_a_stream_read_from_another_task_never_cancels_the_opening_task(
    upstream: AiohttpUpstream, server: Server
) -> None:
    # Starlette opens a stream in the request's task and reads it in another one.
    target = server.target("/events?n=50&gap=0.02", total=0.15)
    async with upstream.stream(target, b"", {}) as reply:
        await anext(aiter(reply.lines))

        async def drain() -> str:
            try:
                async for _ in reply.lines:
                    pass
            except UpstreamTimeout:
                return "timed out"
            return "finished"

        assert await asyncio.create_task(drain()) == "timed out"
        await asyncio.sleep(0.2)  # had the timeout been bound to this task, we'd be cancelled
