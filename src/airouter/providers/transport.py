"""The seam every upstream HTTP request goes through: `Upstream`, and `AiohttpUpstream`.

The apps serve it with `providers.http1.Http1Upstream`, the project's own lean
HTTP/1.1 client, which hands `AiohttpUpstream` the targets a proxy applies to.
Both keep the contract below (tests/providers/test_transport.py runs it on each).

Model deployments and, from the gateway, a remote router are reached through this
narrow interface: POST some bytes, get a status, headers and the body (whole, or line
by line). It replaces an `httpx.AsyncClient` over aiohttp's pool, whose own layer cost
about 200 µs per request under load (`build_request` alone 37 µs, then `send`,
`Response.aread` and its cookie jar; docs/benchmarks.md, "Where the time goes now").
In `AiohttpUpstream` a request is one aiohttp call with a URL, headers and timeouts its
caller built once (`Target`).

Failures come out as the project's errors, labelled with the target's name:

    a timeout (connect, first byte, total)          → UpstreamTimeout
    a body its Content-Encoding cannot explain,
    a stream line too long to be one                → UpstreamBadResponse
    any other aiohttp.ClientError (refused, reset,
    truncated or malformed answer)                  → UpstreamConnectionError

An HTTP error status is an answer, not a failure: callers read the status and decide.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Awaitable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Protocol

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from aiohttp.http_exceptions import ContentEncodingError, LineTooLong
from yarl import URL

from airouter.errors import UpstreamConnectionError, UpstreamError, UpstreamTimeout
from airouter.providers.bodies import MAX_LINE_BYTES, unreadable


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds, None for no limit.

    `first_byte` bounds the wait for the answer to start, then each later read.
    `total` bounds the whole exchange. A stream not whole by then is cut: the read
    under way, or the next one, is a timeout; one that has arrived whole can still
    be read, however slowly its reader goes.
    """

    connect: float | None = None
    first_byte: float | None = None
    total: float | None = None
    # aiohttp's forms, built once here rather than on every request: for a whole
    # answer with the total (aiohttp's timer, kept exact: by default it rounds limits
    # of 5 s and more up to the next whole second, and the router trusts a deployment
    # to give up at its total, router.service), for a stream without
    # (AiohttpUpstream.stream keeps it, exactly too).
    whole: aiohttp.ClientTimeout = field(init=False, repr=False, compare=False)
    streamed: aiohttp.ClientTimeout = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        def timeout(total: float | None) -> aiohttp.ClientTimeout:
            return aiohttp.ClientTimeout(
                total=total,
                connect=self.connect,
                sock_read=self.first_byte,
                ceil_threshold=math.inf,  # never rounded up
            )

        object.__setattr__(self, "whole", timeout(self.total))
        object.__setattr__(self, "streamed", timeout(None))


@dataclass(frozen=True, slots=True)
class Target:
    """Where one caller's requests go (a deployment, the remote router), built once.

    `name` labels every error raised for it; `headers` go with every request.
    """

    name: str
    url: str
    headers: Mapping[str, str]
    timeouts: Timeouts


@dataclass(frozen=True, slots=True)
class UpstreamReply:
    status: int
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class UpstreamStream:
    """An answer as it arrives: its status and headers, then its body line by line.

    `lines` yields each line without its line break. An error status (400 and up)
    comes with its body already read and dropped, so `lines` yields nothing.
    """

    status: int
    headers: Mapping[str, str]
    lines: AsyncIterator[bytes]


class Upstream(Protocol):
    """Sends POST requests upstream. Failures raise `UpstreamError`s (module docstring)."""

    async def post(self, target: Target, body: bytes, headers: Mapping[str, str]) -> UpstreamReply:
        """POST `body` with the target's headers plus `headers`; the whole answer."""
        ...

    def stream(
        self, target: Target, body: bytes, headers: Mapping[str, str]
    ) -> AbstractAsyncContextManager[UpstreamStream]:
        """POST `body` and read the answer as it arrives; leaving the block releases it."""
        ...


@dataclass(frozen=True, slots=True)
class Proxy:
    """The proxy HTTP(S)_PROXY names for a URL (None: straight to it), and its login."""

    url: URL | None = None
    auth: aiohttp.BasicAuth | None = None


def proxy_for(url: str) -> Proxy:
    """Where the environment sends requests for `url`: HTTP(S)_PROXY unless NO_PROXY
    names its host (aiohttp's own reading of them, without ~/.netrc)."""
    try:
        return Proxy(*get_env_proxy_for_url(URL(url)))
    except LookupError:  # none set, or NO_PROXY names the host
        return Proxy()


class AiohttpUpstream:
    """`Upstream` over one pooled aiohttp session that never keeps cookies.

    The session is created on first use, inside the running event loop as aiohttp
    requires; `aclose` closes it. HTTP(S)_PROXY and NO_PROXY apply, looked up once per
    URL: aiohttp's own `trust_env=True` looks them up, and reads ~/.netrc, in worker
    threads on every request (two thread hops, ~600 µs of CPU per request measured).
    """

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, Proxy] = {}

    async def post(self, target: Target, body: bytes, headers: Mapping[str, str]) -> UpstreamReply:
        # The total bounds connecting, sending and reading the whole body: aiohttp's
        # own timer, not an asyncio.timeout scope, which costs three getpid() system
        # calls here (docs/benchmarks.md, "Latency at 200 req/s").
        try:
            response = await self._send(target, body, headers, target.timeouts.whole)
            try:
                return UpstreamReply(response.status, response.headers, await response.read())
            finally:
                response.release()
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise translated(target.name, exc) from None

    @asynccontextmanager
    async def stream(
        self, target: Target, body: bytes, headers: Mapping[str, str]
    ) -> AsyncIterator[UpstreamStream]:
        total = target.timeouts.total
        deadline = None if total is None else asyncio.get_running_loop().time() + total
        try:
            async with asyncio.timeout_at(deadline):
                response = await self._send(target, body, headers, target.timeouts.streamed)
                if response.status >= 400:
                    await response.read()  # to the end, so the connection can be reused
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise translated(target.name, exc) from None
        # Past the deadline the connection is closed, which ends whatever read is under
        # way, or the next one, in whichever task reads: one timer per stream, where a
        # timeout scope around every read cost ~4 us per line (docs/benchmarks.md).
        expiry = _Expiry(response)
        timer = None if deadline is None else asyncio.get_running_loop().call_at(deadline, expiry)
        try:
            lines = _lines(target.name, response.content, expiry)
            yield UpstreamStream(response.status, response.headers, lines)
        finally:
            if timer is not None:
                timer.cancel()
            response.release()

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _send(
        self,
        target: Target,
        body: bytes,
        headers: Mapping[str, str],
        timeout: aiohttp.ClientTimeout,
    ) -> Awaitable[aiohttp.ClientResponse]:
        proxy = self._proxies.get(target.url)
        if proxy is None:
            proxy = self._proxies[target.url] = proxy_for(target.url)
        return self._client().post(
            target.url,
            data=body,
            headers={**target.headers, **headers} if headers else target.headers,
            timeout=timeout,
            allow_redirects=False,
            proxy=proxy.url,
            proxy_auth=proxy.auth,
        )

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=512, keepalive_timeout=30),
                # One jar for the whole process would replay one answer's Set-Cookie
                # on everybody's later requests.
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session


class _Expiry:
    """Called at a stream's deadline: unless the whole answer has arrived already (then
    nothing is left to wait for), closes its connection and remembers it did."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response
        self.expired = False

    def __call__(self) -> None:
        if self.response.content.is_eof():
            return
        self.expired = True
        self.response.close()  # the pending or next read raises ClientConnectionError


async def _lines(name: str, content: aiohttp.StreamReader, expiry: _Expiry) -> AsyncIterator[bytes]:
    # No timeout scope here: the reader may resume this generator from another task
    # (Starlette streams do), and a scope held across a `yield` would cancel the wrong
    # task. The deadline closes the connection instead (_Expiry).
    while True:
        try:
            line = await content.readuntil(b"\n", max_size=MAX_LINE_BYTES)
        except (aiohttp.ClientError, LineTooLong) as exc:
            raise translated(name, TimeoutError() if expiry.expired else exc) from None
        if not line:
            if expiry.expired:  # closed at the deadline between two reads
                raise translated(name, TimeoutError())
            return
        yield line.rstrip(b"\r\n")


def translated(name: str, exc: BaseException) -> UpstreamError:
    """The project's error for what a client raised while talking to `name` (both
    clients' failures: aiohttp's, and Http1Upstream's TimeoutError, OSError, Broken)."""
    if isinstance(exc, TimeoutError):
        return UpstreamTimeout(f"{name} timed out", deployment=name)
    if isinstance(exc, LineTooLong) or isinstance(exc.__cause__, ContentEncodingError):
        return unreadable(name, type(exc).__name__)
    return UpstreamConnectionError(f"{name} unreachable ({type(exc).__name__})", deployment=name)
