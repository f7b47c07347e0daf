"""What one upstream call costs when it runs alone: airouter's seam against a floor.

At 200 req/s every request finds the CPU caches cold (docs/benchmarks.md, "Latency
at 200 req/s"), and the upstream call is the largest single part of the router's
time then. This times one POST at a time to the bench's nginx, hot and with the
caches evicted before each call (as `inprocess.py --cold` does), two ways:

  aiohttp   `AiohttpUpstream.post`, the seam every deployment call goes through
  floor     a bare asyncio protocol on one kept-alive connection that writes the
            request bytes and reads to the Content-Length: no pool, no timeouts,
            no header parsing worth the name. Not a client anyone should ship;
            it shows how much of the call is the client library itself.

    .venv/bin/python bench/client_cold.py        # ~20 s; nginx from Debian

Prints the median µs per call of each, hot and cold (the targets' core, 1).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import cast

import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent))
from inprocess import EVICTION_BYTES  # bench/ is not a package
from procstat import free_port
from upstream import Nginx

from airouter.providers.transport import AiohttpUpstream, Target, Timeouts

BODY = b'{"model":"m","messages":[{"role":"user","content":"hi"}]}'


class Floor(asyncio.Protocol):
    """Reads one answer at a time to its Content-Length (nginx always sends one)."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.waiter: asyncio.Future[bytes] | None = None
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        head, found, rest = self.buffer.partition(b"\r\n\r\n")
        if not found:
            return
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        if len(rest) >= length and self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(bytes(rest[:length]))
            self.buffer = bytearray()


async def compare(port: int, calls: int) -> dict[str, dict[str, float]]:
    loop = asyncio.get_running_loop()
    url = f"http://127.0.0.1:{port}/v1/chat/completions"
    headers = {"Content-Type": "application/json"}
    target = Target("up", url, headers, Timeouts(connect=3, first_byte=30, total=60))
    seam = AiohttpUpstream()
    _, floor = await loop.create_connection(Floor, "127.0.0.1", port)
    request = (
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(BODY), BODY)
    )

    async def via_floor() -> bytes:
        floor.waiter = loop.create_future()
        assert floor.transport is not None
        floor.transport.write(request)
        return await floor.waiter

    async def via_aiohttp() -> bytes:
        return (await seam.post(target, BODY, {})).body

    ways: dict[str, Callable[[], Awaitable[bytes]]] = {"aiohttp": via_aiohttp, "floor": via_floor}
    expected = await via_aiohttp()
    for call in ways.values():  # warm-up, and both read the same answer
        for _ in range(200):
            assert await call() == expected
    scratch = bytearray(EVICTION_BYTES)
    one_per_line = b"\x01" * (EVICTION_BYTES // 64)
    found: dict[str, dict[str, float]] = {}
    for mode in ("hot", "cold"):
        found[mode] = {}
        for name, call in ways.items():
            timed = []
            for _ in range(calls):
                if mode == "cold":
                    scratch[::64] = one_per_line
                started = time.perf_counter_ns()
                await call()
                timed.append(time.perf_counter_ns() - started)
            found[mode][name] = sorted(timed)[len(timed) // 2] / 1000
    await seam.aclose()
    assert floor.transport is not None
    floor.transport.close()
    return found


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--calls", type=int, default=600, help="per way and mode")
    args = p.parse_args()
    if len(os.sched_getaffinity(0)) > 1:
        os.sched_setaffinity(0, {1})  # the targets' core in gateway_bench; nginx gets 0
    nginx = Nginx(free_port(), "0").start()
    try:
        found = uvloop.run(compare(nginx.port, args.calls))
    finally:
        nginx.stop()
    for mode, medians in found.items():
        ratio = medians["aiohttp"] / medians["floor"]
        print(
            f"{mode}: median µs per call: aiohttp {medians['aiohttp']:.1f}, floor "
            f"{medians['floor']:.1f} ({ratio:.1f}x)"
        )


if __name__ == "__main__":
    main()
