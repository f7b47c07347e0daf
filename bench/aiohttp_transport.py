"""An httpx transport that sends through aiohttp's connection pool (for experiments).

httpcore's pool scans every pooled connection on each request and again on each
release, with an O(n²) idle count inside (httpcore/_async/connection_pool.py:291),
so at 64 requests in flight that scan, not the network, dominates the router's CPU.
aiohttp's `TCPConnector` hands out a pooled connection in O(1). Plugging it in
*behind* httpx keeps airouter's seam (an injected `httpx.AsyncClient`) intact:
only the transport changes. Whole bodies only: enough for non-streamed
completions, which is what the benchmark sends.
"""

from __future__ import annotations

import aiohttp
import httpx

_HOP_BY_HOP = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})


class AiohttpTransport(httpx.AsyncBaseTransport):
    def __init__(self, limit: int = 512, keepalive_s: float = 30) -> None:
        self._limit = limit
        self._keepalive_s = keepalive_s
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:  # created lazily, inside the running loop
            connector = aiohttp.TCPConnector(limit=self._limit, keepalive_timeout=self._keepalive_s)
            self._session = aiohttp.ClientSession(connector=connector, auto_decompress=False)
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        t = request.extensions.get("timeout", {})
        timeout = aiohttp.ClientTimeout(sock_connect=t.get("connect"), sock_read=t.get("read"))
        headers = [(k, v) for k, v in request.headers.multi_items() if k not in _HOP_BY_HOP]
        try:
            async with self._client().request(
                request.method,
                str(request.url),
                data=await request.aread(),
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
            ) as response:
                body = await response.read()
                return httpx.Response(
                    response.status,
                    headers=[
                        (k.decode("latin-1"), v.decode("latin-1")) for k, v in response.raw_headers
                    ],
                    stream=httpx.ByteStream(body),
                    request=request,
                )
        except TimeoutError as exc:
            raise httpx.ReadTimeout(str(exc), request=request) from exc
        except aiohttp.ClientConnectionError as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
