"""Open-loop load at a fixed rate: request i is sent at t0 + i/rate, whatever came back.

Sends never wait for earlier answers, so a stalled target cannot slow the
generator down (no coordinated omission). Latency runs from the moment the
request is handed to the client, not from the scheduled instant: uvloop's timers
tick in whole milliseconds, and that jitter belongs to the generator, not to the
target (the worst lateness is reported as `late_max_us`). Prints one JSON line:
warm-up requests sent, sent, ok, errors by kind, p50/p90/p99/max in microseconds,
achieved rate.
Debian has no wrk2, so this is the fixed-rate generator (aiohttp on uvloop).

    python bench/openloop.py --url http://127.0.0.1:9001/v1/chat/completions \
        --body-file body.json --rate 200 --seconds 15
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from pathlib import Path

import aiohttp
import uvloop


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


MARKER = b"#N#"
"""In a body, replaced on every request by a new text (see bench/post.lua)."""


def fresh(body: bytes) -> bytes:
    return body.replace(MARKER, str(time.time_ns()).encode()) if MARKER in body else body


async def one(
    session: aiohttp.ClientSession,
    url: str,
    body: bytes,
    latencies: list[float],
    errors: Counter[str],
) -> None:
    body = fresh(body)
    started = time.perf_counter()
    try:
        async with session.post(url, data=body, headers={"Content-Type": "application/json"}) as r:
            await r.read()
            if r.status >= 300:
                errors[f"http_{r.status}"] += 1
                return
    except (aiohttp.ClientError, TimeoutError) as exc:
        errors[type(exc).__name__] += 1
        return
    latencies.append(time.perf_counter() - started)


async def run(
    url: str, body: bytes, rate: float, seconds: float, warmup: float
) -> dict[str, object]:
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    connector = aiohttp.TCPConnector(limit=256)
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        # Warm-up: open connections and let the target's caches settle; not recorded.
        warmup_sent = int(rate * warmup)
        for _ in range(warmup_sent):
            await one(session, url, body, [], Counter())
        total = int(rate * seconds)
        tasks: list[asyncio.Task[None]] = []
        late_max = 0.0
        t0 = time.perf_counter() + 0.05
        for i in range(total):
            scheduled = t0 + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            late_max = max(late_max, time.perf_counter() - scheduled)
            tasks.append(asyncio.create_task(one(session, url, body, latencies, errors)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - t0
    latencies.sort()
    us = [x * 1e6 for x in latencies]
    return {
        "warmup_sent": warmup_sent,
        "sent": total,
        "ok": len(latencies),
        "errors": dict(errors),
        "rate": round(total / elapsed, 1),
        "p50_us": percentile(us, 50),
        "p90_us": percentile(us, 90),
        "p99_us": percentile(us, 99),
        "max_us": us[-1] if us else float("nan"),
        "late_max_us": round(late_max * 1e6),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--body-file", required=True, type=Path)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    args = parser.parse_args()
    body = args.body_file.read_bytes()
    result = uvloop.run(run(args.url, body, args.rate, args.seconds, args.warmup))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
