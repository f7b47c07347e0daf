"""What `Http1Upstream` does beyond the contract (test_transport.py): its pool, its
connections' lives, TLS, and what it hands to aiohttp. Real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import itertools
import json
import ssl
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import trustme
from hypothesis import given
from hypothesis import strategies as st

from airouter.errors import UpstreamBadResponse, UpstreamConnectionError, UpstreamTimeout
from airouter.providers.bodies import stream_lines
from airouter.providers.http1 import Http1Upstream
from airouter.providers.transport import Target, Timeouts
from tests.support.http_server import (
    COMPRESSED_TEXT,
    FLOOD_EVENT,
    FLOOD_EVENTS,
    Server,
    echoed,
    eventually,
    gzipped_members,
    serve,
    serve_raw,
)


@pytest.fixture
async def client(no_proxy_settings: None) -> AsyncIterator[Http1Upstream]:
    up = Http1Upstream()
    yield up
    await up.aclose()


async def ports_of(upstream: Http1Upstream, server: Server, calls: int, wait: float) -> set[int]:
    """The client ports `calls` echo calls made at once arrived from."""
    target = server.target(f"/echo?wait={wait}")
    replies = await asyncio.gather(*(upstream.post(target, b"", {}) for _ in range(calls)))
    return {json.loads(reply.body)["peer_port"] for reply in replies}


async def test_calls_in_flight_at_once_never_exceed_the_limit(
    server: Server, no_proxy_settings: None
) -> None:
    limited, unlimited = Http1Upstream(limit=2), Http1Upstream()
    try:
        assert len(await ports_of(limited, server, 6, wait=0.05)) <= 2
        # The same calls, unlimited, each take a connection: the check above can fail.
        assert len(await ports_of(unlimited, server, 6, wait=0.05)) == 6
    finally:
        await limited.aclose()
        await unlimited.aclose()


async def test_idle_connections_are_reused_then_closed_after_keepalive(
    server: Server, no_proxy_settings: None
) -> None:
    up = Http1Upstream(keepalive=1.0)
    try:
        first = (await echoed(up, server))["peer_port"]
        assert (await echoed(up, server))["peer_port"] == first
        assert server.open_connections() == 1
        await eventually(lambda: server.open_connections() == 0, within=4)  # with no call
        assert (await echoed(up, server))["peer_port"] != first
    finally:
        await up.aclose()


async def test_a_connection_the_server_closed_while_idle_is_not_used_again(
    client: Http1Upstream,
) -> None:
    async with serve(keepalive=0.1) as server:
        first = (await echoed(client, server))["peer_port"]
        await asyncio.sleep(0.4)  # the server hangs up on the idle connection
        assert (await echoed(client, server))["peer_port"] != first  # and no error


async def test_a_cancelled_call_closes_its_connection(
    client: Http1Upstream, server: Server
) -> None:
    first = (await echoed(client, server))["peer_port"]
    call = asyncio.create_task(client.post(server.target("/slow"), b"", {}))  # reuses it
    await asyncio.sleep(0.1)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    await eventually(lambda: server.abandoned.get("/slow") == 1)  # it hung up at once
    # Reused, the connection would carry /slow's answer, 2 s later, to this call.
    again = await asyncio.wait_for(echoed(client, server), timeout=1)
    assert again["peer_port"] != first


async def test_a_header_with_a_line_break_is_refused_before_anything_is_sent(
    client: Http1Upstream, server: Server
) -> None:
    with pytest.raises(ValueError, match="line break"):
        await client.post(server.target("/echo"), b"", {"X-Correlation-ID": "a\r\nX-Admin: 1"})
    assert "/echo" not in server.hits


async def test_raw_deflate_some_servers_send_is_read_too(
    client: Http1Upstream, server: Server
) -> None:
    reply = await client.post(server.target("/deflate?raw=1"), b"", {})
    assert reply.body == COMPRESSED_TEXT


async def test_the_request_names_its_host_length_and_the_encodings_it_reads(
    client: Http1Upstream, server: Server
) -> None:
    seen = await client.post(server.target("/echo?q=a%20b"), b"12345", {})
    echoed_back = json.loads(seen.body)
    assert echoed_back["method"] == "POST" and echoed_back["path"] == "/echo?q=a%20b"
    headers = echoed_back["headers"]
    assert headers["host"] == server.url.removeprefix("http://")
    assert headers["content-length"] == "5"
    assert headers["accept-encoding"] == "gzip, deflate"


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
async def tls_server(authority: trustme.CA) -> AsyncIterator[Server]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    async with serve(tls=context) as server:
        yield server


async def test_https_is_verified_against_the_trusted_authorities(
    tls_server: Server, authority: trustme.CA, no_proxy_settings: None
) -> None:
    trusting = ssl.create_default_context()
    authority.configure_trust(trusting)
    up = Http1Upstream(tls=trusting)
    try:
        assert tls_server.url.startswith("https://")
        seen = await echoed(up, tls_server)
        assert (await echoed(up, tls_server))["peer_port"] == seen["peer_port"]
    finally:
        await up.aclose()


async def test_https_to_a_server_nobody_vouches_for_is_unreachable(
    tls_server: Server, client: Http1Upstream
) -> None:
    # The default trusts the system's authorities, which never signed this throwaway one.
    with pytest.raises(UpstreamConnectionError, match="SSLCertVerificationError"):
        await echoed(client, tls_server)
    assert "/echo" not in tls_server.hits


async def test_a_host_no_proxy_names_is_reached_directly(
    client: Http1Upstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The contract's proxy test shows a proxied call arrives (through aiohttp); this
    # one shows NO_PROXY still sends the host straight to it.
    raw, proxy = await serve_raw(b"HTTP/1.1 204 No Content\r\n\r\n")
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    async with raw, serve() as server:
        seen = await echoed(client, server)
    assert seen["method"] == "POST"  # the echo server answered, not the proxy's 204


async def test_a_stream_asks_for_its_answer_uncompressed(
    client: Http1Upstream, server: Server
) -> None:
    async with client.stream(server.target("/echo"), b"", {}) as reply:
        (line,) = [line async for line in reply.lines]
    assert json.loads(line)["headers"]["accept-encoding"] == "identity"


async def test_a_stream_read_to_its_end_gives_its_connection_back(
    client: Http1Upstream, server: Server
) -> None:
    first = (await echoed(client, server))["peer_port"]
    async with client.stream(server.target("/events?n=2"), b"", {}) as reply:
        assert [line async for line in reply.lines][-2:] == [b"data: [DONE]", b""]
    assert (await echoed(client, server))["peer_port"] == first


async def test_a_stream_left_before_its_end_closes_its_connection(
    client: Http1Upstream, server: Server
) -> None:
    first = (await echoed(client, server))["peer_port"]
    async with client.stream(server.target("/events?n=50&gap=0.02"), b"", {}) as reply:
        assert await anext(aiter(reply.lines)) == b"data: w0"
    await eventually(lambda: server.abandoned.get("/events") == 1)  # hung up on at once
    assert (await echoed(client, server))["peer_port"] != first


async def test_a_reader_that_falls_behind_holds_the_upstream_back(
    client: Http1Upstream, server: Server
) -> None:
    total = FLOOD_EVENTS * len(FLOOD_EVENT)
    async with client.stream(server.target("/flood"), b"", {}) as reply:
        lines = aiter(reply.lines)
        assert (await anext(lines)).startswith(b"data: x")
        await asyncio.sleep(0.5)  # unread, the 64 MiB would all be sent within this
        held_back = server.sent.get("/flood", 0)
        await asyncio.sleep(0.3)
        assert server.sent.get("/flood", 0) == held_back  # the upstream waits
        assert held_back < total // 2  # READ_AHEAD plus what the sockets buffer
        events = 1 + sum([line.startswith(b"data: ") async for line in lines])
    assert events == FLOOD_EVENTS and server.sent["/flood"] == total


def packed(wbits: int) -> Callable[[bytes], bytes]:
    def pack(data: bytes) -> bytes:
        packer = zlib.compressobj(wbits=wbits)
        return packer.compress(data) + packer.flush()

    return pack


PACKINGS: dict[str, tuple[str | None, Callable[[bytes], bytes]]] = {
    "none": (None, bytes),
    "identity": ("identity", bytes),
    "gzip": ("gzip", packed(zlib.MAX_WBITS | 16)),
    "gzip, two members": ("gzip", lambda data: gzipped_members(data[:7], data[7:])),
    "deflate": ("deflate", packed(zlib.MAX_WBITS)),
    "deflate, raw": ("deflate", packed(-zlib.MAX_WBITS)),
}
"""Content-Encoding and how a server would pack a stream's text under it."""


def read_from(pieces: list[bytes]) -> Callable[[], Awaitable[bytes]]:
    """A stream's `read`: each piece in turn, then b"" for the end."""
    queue = iter([*pieces, b""])

    async def read() -> bytes:
        return next(queue)

    return read


def cut(data: bytes, cuts: list[int]) -> list[bytes]:
    """`data` in pieces, cut at the offsets `cuts` (modulo its length)."""
    edges = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    return [data[a:b] for a, b in itertools.pairwise(edges)]


@given(
    text=st.lists(st.sampled_from([b"data: w", b"x", b"\r", b"\n", b"\r\n", b""])).map(b"".join),
    cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=12),
    packing=st.sampled_from(list(PACKINGS)),
)
async def test_lines_come_out_the_same_however_the_stream_was_cut(
    text: bytes, cuts: list[int], packing: str
) -> None:
    encoding, pack = PACKINGS[packing]
    sent = pack(text)
    *whole, last = text.split(b"\n")
    expected = [line.rstrip(b"\r") for line in whole] + ([last.rstrip(b"\r")] if last else [])
    read = read_from(cut(sent, cuts))
    assert [line async for line in stream_lines("up", read, encoding)] == expected


async def test_a_reader_behind_is_not_the_upstream_being_slow(
    client: Http1Upstream, server: Server
) -> None:
    # Held back by our own reader for longer than first_byte, the stream goes on.
    target = server.target("/flood", first_byte=0.3, total=30)
    async with client.stream(target, b"", {}) as reply:
        lines = aiter(reply.lines)
        await anext(lines)
        await asyncio.sleep(0.8)
        events = 1 + sum([line.startswith(b"data: ") async for line in lines])
    assert events == FLOOD_EVENTS


async def test_a_stream_left_with_its_answer_whole_but_unread_is_not_reused(
    client: Http1Upstream, server: Server
) -> None:
    async with client.stream(server.target("/lines?n=4000"), b"", {}) as reply:
        await anext(aiter(reply.lines))
        await asyncio.sleep(0.3)  # the rest arrives (400 kB), more than READ_AHEAD
    # Reused, the connection would still be paused: this call would wait out its total.
    reply_again = await client.post(server.target("/echo", first_byte=2, total=3), b"", {})
    assert reply_again.status == 200
    async with client.stream(server.target("/lines?n=4000"), b"", {}) as reply:
        assert len([line async for line in reply.lines]) == 4000


async def test_waiting_for_a_free_slot_counts_toward_the_total(
    server: Server, no_proxy_settings: None
) -> None:
    up = Http1Upstream(limit=1)
    try:
        async with up.stream(server.target("/events?n=100&gap=0.02"), b"", {}) as holding:
            await anext(aiter(holding.lines))
            started = asyncio.get_running_loop().time()
            with pytest.raises(UpstreamTimeout):
                await up.post(server.target("/echo", total=0.2), b"", {})
            assert asyncio.get_running_loop().time() - started < 1.5  # not the stream's 2 s
    finally:
        await up.aclose()


async def test_the_target_may_name_its_own_host_and_user_agent_but_not_the_framing(
    client: Http1Upstream, server: Server
) -> None:
    own = {"Host": "models.internal", "User-Agent": "creator-platform", "Content-Length": "999"}
    target = Target("up", f"{server.url}/echo", own, Timeouts(total=5))
    reply = await client.post(target, b"12345", {"transfer-encoding": "chunked"})
    headers = json.loads(reply.body)["headers"]
    assert (headers["host"], headers["user-agent"]) == ("models.internal", "creator-platform")
    assert headers["content-length"] == "5" and "transfer-encoding" not in headers


async def test_a_compressed_stream_cut_inside_its_last_member_is_a_bad_response(
    client: Http1Upstream,
) -> None:
    body = gzipped_members(b"data: one\n\ndata: two\n\n")[:-6]  # without its trailer
    head = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(body)
    raw, url = await serve_raw(head + body)
    async with raw, client.stream(Target("up", url, {}, Timeouts(total=5)), b"", {}) as reply:
        with pytest.raises(UpstreamBadResponse):
            async for _ in reply.lines:
                pass
