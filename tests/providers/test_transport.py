"""The `Upstream` contract, kept by each client (`AiohttpUpstream`, `Http1Upstream`)
against real local servers on 127.0.0.1 (in-process, real sockets)."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest

from airouter.errors import UpstreamBadResponse, UpstreamConnectionError, UpstreamTimeout
from airouter.providers.transport import MAX_LINE_BYTES, Target, Timeouts, Upstream
from tests.support.http_server import (
    COMPRESSED_TEXT,
    Server,
    assert_one_connection_reused,
    echoed,
    gzipped_members,
    serve_raw,
    serve_trickle,
)


async def test_the_targets_and_the_requests_headers_and_the_body_arrive(
    upstream: Upstream, server: Server
) -> None:
    seen = await echoed(upstream, server, **{"X-Correlation-ID": "cid-1"})
    headers = seen["headers"]
    assert isinstance(headers, dict)
    assert (headers["content-type"], headers["x-correlation-id"]) == ("text/plain", "cid-1")
    assert seen["body"] == "hello"


async def test_two_calls_reuse_one_kept_alive_connection(
    upstream: Upstream, server: Server
) -> None:
    await assert_one_connection_reused(upstream, server)


async def test_a_cookie_an_answer_sets_is_never_sent_again(
    upstream: Upstream, server: Server
) -> None:
    # By name, not by IP address: aiohttp's cookie jars ignore cookies from IP hosts.
    host = server.url.replace("127.0.0.1", "localhost")
    reply = await upstream.post(Target("up", f"{host}/set-cookie", {}, Timeouts()), b"", {})
    assert "session=s3cret" in reply.headers["Set-Cookie"]
    again = await upstream.post(Target("up", f"{host}/echo", {}, Timeouts()), b"", {})
    assert "cookie" not in json.loads(again.body)["headers"]


async def test_a_redirect_is_answered_not_followed(upstream: Upstream, server: Server) -> None:
    reply = await upstream.post(server.target("/redirect"), b"", {})
    assert (reply.status, reply.headers["Location"]) == (302, "/echo")
    assert reply.headers["location"] == "/echo"  # header names are not case-sensitive
    assert "/echo" not in server.hits


async def test_an_answer_slower_than_first_byte_is_a_timeout(
    upstream: Upstream, server: Server
) -> None:
    started = asyncio.get_running_loop().time()
    with pytest.raises(UpstreamTimeout) as caught:
        await upstream.post(server.target("/slow", first_byte=0.1, total=5), b"", {})
    assert asyncio.get_running_loop().time() - started < 1
    assert caught.value.deployment == "up" and caught.value.transient


async def test_a_call_past_its_total_timeout_is_a_timeout(
    upstream: Upstream, server: Server
) -> None:
    with pytest.raises(UpstreamTimeout):
        await upstream.post(server.target("/slow", total=0.1), b"", {})


async def test_a_body_that_trickles_past_the_total_timeout_is_a_timeout(
    upstream: Upstream, server: Server
) -> None:
    # The headers come at once and each piece well within first_byte: only the total
    # can end it, and it covers reading the body, not just its start.
    started = asyncio.get_running_loop().time()
    with pytest.raises(UpstreamTimeout):
        await upstream.post(server.target("/events?n=20&gap=0.1", first_byte=5, total=0.3), b"", {})
    assert asyncio.get_running_loop().time() - started < 1


async def test_reads_that_keep_coming_within_first_byte_are_not_a_timeout(
    upstream: Upstream, server: Server
) -> None:
    # first_byte bounds each wait for more, not the whole body: five pieces 0.2 s
    # apart (1 s in all) against 0.6 s.
    reply = await upstream.post(server.target("/events?n=5&gap=0.2", first_byte=0.6), b"", {})
    assert reply.body.count(b"data: w") == 5 and reply.body.endswith(b"data: [DONE]\n\n")


@pytest.mark.parametrize("path", ["/gzip", "/deflate"])
async def test_a_compressed_answer_is_read_decoded(
    upstream: Upstream, server: Server, path: str
) -> None:
    reply = await upstream.post(server.target(path), b"", {})
    assert reply.body == COMPRESSED_TEXT


async def test_a_large_body_goes_and_comes_back_whole(upstream: Upstream, server: Server) -> None:
    body = b"x" * 1_000_000  # many reads and writes each way; the server takes 1 MiB
    reply = await upstream.post(server.target("/echo"), body, {})
    assert json.loads(reply.body)["body"] == body.decode()


async def test_an_answer_that_asks_to_close_is_read_and_its_connection_not_reused(
    upstream: Upstream, server: Server
) -> None:
    closing = await upstream.post(server.target("/close"), b"", {})
    assert json.loads(closing.body) == {"bye": True}
    await assert_one_connection_reused(upstream, server)


@pytest.mark.parametrize(
    ("answer", "status", "body"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nto the close", 200, b"to the close"),
        (b"HTTP/1.0 200 OK\r\n\r\nan old server", 200, b"an old server"),
        (
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
            201,
            b"ok",
        ),
        (b"HTTP/1.1 204 No Content\r\n\r\n", 204, b""),
    ],
    ids=["read-to-close", "http-1.0", "interim-100", "no-content"],
)
async def test_an_answer_framed_any_lawful_way_is_read_whole(
    upstream: Upstream, answer: bytes, status: int, body: bytes
) -> None:
    raw, url = await serve_raw(answer)
    async with raw:
        reply = await upstream.post(Target("up", url, {}, Timeouts(total=5)), b"", {})
    assert (reply.status, reply.body) == (status, body)


async def test_an_empty_body_is_empty_whatever_its_content_encoding(upstream: Upstream) -> None:
    # A refusal must keep its status and Retry-After even when it claims gzip.
    head = b"HTTP/1.1 429 Too Many Requests\r\nContent-Encoding: gzip\r\nRetry-After: 2\r\n"
    raw, url = await serve_raw(head + b"Content-Length: 0\r\n\r\n")
    async with raw:
        reply = await upstream.post(Target("up", url, {}, Timeouts(total=5)), b"", {})
    assert (reply.status, reply.headers["Retry-After"], reply.body) == (429, "2", b"")


async def test_gzip_in_several_members_is_read_whole(upstream: Upstream) -> None:
    body = gzipped_members(b"hello ", b"world")
    head = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(body)
    raw, url = await serve_raw(head + body)
    async with raw:
        reply = await upstream.post(Target("up", url, {}, Timeouts(total=5)), b"", {})
    assert reply.body == b"hello world"


async def test_a_second_answer_to_one_request_never_reaches_the_caller(upstream: Upstream) -> None:
    first = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none"
    second = b"HTTP/1.1 500 Oops\r\nX-Stray: 1\r\nContent-Length: 3\r\n\r\ntwo"
    raw, url = await serve_raw(first + second)  # both in one write
    async with raw:
        reply = await upstream.post(Target("up", url, {}, Timeouts(total=5)), b"", {})
    assert (reply.status, reply.body, "X-Stray" in reply.headers) == (200, b"one", False)


def test_a_total_over_five_seconds_is_kept_exact_not_rounded_up() -> None:
    # aiohttp rounds a total over its ceil_threshold (5 s by default) up to the next
    # whole second of the loop's clock: a deployment's 7.5 s could become 8.4 s, past
    # a request deadline the router trusted it to keep (router.service). Waiting that
    # long in a test costs seconds; the setting that keeps it exact is checked instead.
    whole = Timeouts(total=7.5).whole
    assert whole.total == 7.5
    assert whole.ceil_threshold > 10_000


async def test_a_refused_connection_is_unreachable(upstream: Upstream) -> None:
    with socket.socket() as s:  # a port nobody listens on once this closes
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    target = Target("up", f"http://127.0.0.1:{port}/", {}, Timeouts(connect=1, total=5))
    with pytest.raises(UpstreamConnectionError) as caught:
        await upstream.post(target, b"", {})
    assert caught.value.transient and caught.value.provider_fault


async def test_a_body_its_content_encoding_cannot_explain_is_a_bad_response(
    upstream: Upstream, server: Server
) -> None:
    with pytest.raises(UpstreamBadResponse):
        await upstream.post(server.target("/gzip-lie"), b"", {})


@pytest.mark.parametrize(
    "answer",
    [b"", b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\ncut short", b"garbage\r\n\r\n"],
)
async def test_a_hang_up_or_a_broken_answer_is_unreachable(
    upstream: Upstream, answer: bytes
) -> None:
    raw, url = await serve_raw(answer)
    async with raw:
        with pytest.raises(UpstreamConnectionError):
            await upstream.post(Target("up", url, {}, Timeouts(total=5)), b"", {})


async def test_a_proxy_named_in_the_environment_carries_the_request(
    upstream: Upstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw, proxy = await serve_raw(b"HTTP/1.1 204 No Content\r\n\r\n")
    monkeypatch.setenv("HTTP_PROXY", proxy)
    async with raw:
        reply = await upstream.post(Target("up", "http://up.test/v1", {}, Timeouts()), b"", {})
    assert reply.status == 204  # up.test does not exist: only the proxy can have answered


async def test_a_stream_arrives_line_by_line(upstream: Upstream, server: Server) -> None:
    async with upstream.stream(server.target("/events?n=2"), b"", {}) as reply:
        lines = [line async for line in reply.lines]
    assert reply.status == 200
    assert lines == [b"data: w0", b"", b"data: w1", b"", b"data: [DONE]", b""]


async def test_a_stream_compressed_all_the_same_arrives_decoded(
    upstream: Upstream, server: Server
) -> None:
    async with upstream.stream(server.target("/events?n=2&gzip=1"), b"", {}) as reply:
        lines = [line async for line in reply.lines]
    assert reply.headers["Content-Encoding"] == "gzip"
    assert lines == [b"data: w0", b"", b"data: w1", b"", b"data: [DONE]", b""]


async def test_a_stream_line_too_long_to_be_one_is_a_bad_response(upstream: Upstream) -> None:
    size = MAX_LINE_BYTES + 1024
    raw, url = await serve_raw(
        b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size + b"x" * size
    )
    async with raw, upstream.stream(Target("up", url, {}, Timeouts(total=30)), b"", {}) as reply:
        with pytest.raises(UpstreamBadResponse):
            async for _ in reply.lines:
                pass


async def test_a_stream_in_raw_deflate_arrives_decoded(upstream: Upstream, server: Server) -> None:
    async with upstream.stream(server.target("/deflate?raw=1"), b"", {}) as reply:
        lines = [line async for line in reply.lines]
    assert lines == [COMPRESSED_TEXT]


async def test_a_stream_without_a_length_cut_at_its_total_is_a_timeout(upstream: Upstream) -> None:
    # Its body ends when the connection does: the client's own close at the deadline
    # must not pass for that end.
    raw, url = await serve_trickle(b"HTTP/1.1 200 OK\r\n\r\n", gap=0.05)
    async with raw, upstream.stream(Target("up", url, {}, Timeouts(total=0.3)), b"", {}) as reply:
        lines = aiter(reply.lines)
        assert await anext(lines) == b"data: 0"
        await asyncio.sleep(0.6)  # the deadline passes while nobody reads
        with pytest.raises(UpstreamTimeout):
            async for _ in lines:
                pass


async def test_a_stream_refused_comes_with_its_body_read_and_no_lines(
    upstream: Upstream, server: Server
) -> None:
    async with upstream.stream(server.target("/rate-limited"), b"", {}) as reply:
        assert (reply.status, reply.headers["Retry-After"]) == (429, "2")
        assert [line async for line in reply.lines] == []
    await assert_one_connection_reused(upstream, server)


@pytest.mark.parametrize("pause", [0.0, 0.3], ids=["read-throughout", "no-read-pending"])
async def test_a_stream_past_its_total_timeout_ends_with_a_timeout(
    upstream: Upstream, server: Server, pause: float
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
    upstream: Upstream, server: Server
) -> None:
    # The total timeout bounds the upstream, not a reader slower than it.
    async with upstream.stream(server.target("/events?n=2", total=0.1), b"", {}) as reply:
        await asyncio.sleep(0.3)
        lines = [line async for line in reply.lines]
    assert lines == [b"data: w0", b"", b"data: w1", b"", b"data: [DONE]", b""]


async def test_a_stream_read_from_another_task_never_cancels_the_opening_task(
    upstream: Upstream, server: Server
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
