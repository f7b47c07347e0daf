"""What one upstream call costs when it runs alone: airouter's seam against a floor.

At 200 req/s every request finds the CPU caches cold (docs/benchmarks.md, "Latency
at 200 req/s"), and the upstream call is the largest single part of the router's
time then. This times one POST at a time to the bench's nginx, hot and with the
caches evicted before each call (as `inprocess.py --cold` does), three ways:

  http1     `Http1Upstream.post`, the seam every deployment call goes through
  aiohttp   `AiohttpUpstream.post`, which it replaced (and still serves streams and
            proxied targets)
  floor     `FloorUpstream.post` (bench/floor_upstream.py): httptools over kept-alive
            asyncio connections, no timeouts, TLS or proxies. Not a client anyone
            should ship; it shows how much of the call is the client library itself.

    .venv/bin/python bench/client_cold.py        # ~20 s; nginx from Debian

Prints the median µs per call of each, hot and cold (the targets' core, 1), and
each one's ratio to the floor.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent))
from floor_upstream import FloorUpstream  # bench/ is not a package
from inprocess import CacheEvictor, median_us
from procstat import free_port
from upstream import Nginx

from airouter.providers.http1 import Http1Upstream
from airouter.providers.transport import AiohttpUpstream, Target, Timeouts

BODY = b'{"model":"m","messages":[{"role":"user","content":"hi"}]}'


async def compare(port: int, calls: int) -> dict[str, dict[str, float]]:
    url = f"http://127.0.0.1:{port}/v1/chat/completions"
    headers = {"Content-Type": "application/json"}
    target = Target("up", url, headers, Timeouts(connect=3, first_byte=30, total=60))
    seams: dict[str, Http1Upstream | AiohttpUpstream | FloorUpstream] = {
        "http1": Http1Upstream(),
        "aiohttp": AiohttpUpstream(),
        "floor": FloorUpstream(),
    }
    expected = (await seams["aiohttp"].post(target, BODY, {})).body
    for seam in seams.values():  # warm-up, and both read the same answer
        for _ in range(200):
            assert (await seam.post(target, BODY, {})).body == expected
    evict = CacheEvictor()
    found: dict[str, dict[str, float]] = {}
    for mode in ("hot", "cold"):
        found[mode] = {}
        for name, seam in seams.items():
            timed = []
            for _ in range(calls):
                if mode == "cold":
                    evict()
                started = time.perf_counter_ns()
                await seam.post(target, BODY, {})
                timed.append(time.perf_counter_ns() - started)
            found[mode][name] = median_us(timed)
    for seam in seams.values():
        await seam.aclose()
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
        floor = medians["floor"]
        others = {name: us for name, us in medians.items() if name != "floor"}
        ways = ", ".join(f"{name} {us:.1f} ({us / floor:.2f}x)" for name, us in others.items())
        print(f"{mode}: median µs per call: {ways}, floor {floor:.1f}")


if __name__ == "__main__":
    main()
