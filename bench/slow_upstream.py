"""A fake upstream that answers every request after a fixed delay (default 50 ms).

nginx-light cannot delay an answer, so this is a raw asyncio protocol on uvloop
with httptools parsing: no framework, so thousands of requests in flight cost it
little and it stays far from being the bottleneck.

    python bench/slow_upstream.py --port 9002 --delay-ms 50
"""

from __future__ import annotations

import argparse
import asyncio
from typing import cast

import httptools
import uvloop
from upstream import completion_body


def build_response() -> bytes:
    body = completion_body().encode()
    head = (
        "HTTP/1.1 200 OK\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: keep-alive\r\n\r\n"
    )
    return head.encode() + body


class SlowHttp(asyncio.Protocol):
    def __init__(self, response: bytes, delay: float) -> None:
        self.response = response
        self.delay = delay
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            if self.transport is not None:
                self.transport.close()

    def on_message_complete(self) -> None:
        asyncio.get_running_loop().call_later(self.delay, self._answer)

    def _answer(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(self.response)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


async def serve(port: int, delay: float) -> None:
    loop = asyncio.get_running_loop()
    response = build_response()
    server = await loop.create_server(
        lambda: SlowHttp(response, delay), "127.0.0.1", port, backlog=4096
    )
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay-ms", type=float, default=50.0)
    args = parser.parse_args()
    uvloop.run(serve(args.port, args.delay_ms / 1000))


if __name__ == "__main__":
    main()
