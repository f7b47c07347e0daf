"""What `Http1Upstream` does beyond the contract (test_transport.py): its pool, its
connections' lives, TLS, and what it hands to aiohttp. Real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import AsyncIterator

import pytest
import trustme

from airouter.errors import UpstreamConnectionError
from airouter.providers.http1 import Http1Upstream
from tests.support.http_server import (
    COMPRESSED_TEXT,
    Server,
    echoed,
    eventually,
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
    up = Http1Upstream(keepalive=0.2)
    try:
        first = (await echoed(up, server))["peer_port"]
        assert (await echoed(up, server))["peer_port"] == first
        assert server.open_connections() == 1
        await eventually(lambda: server.open_connections() == 0)  # closed, with no call
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
