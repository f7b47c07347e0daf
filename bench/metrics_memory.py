"""Scale check: 10⁶ requests recorded in airouter's metrics sink, memory must stay flat.

In-process: `airouter.metrics.Metrics().request(...)` called a million times with
the label mix a busy router sees (route templates, statuses, deployments, some
fallbacks). Prints RSS (VmRSS) and tracemalloc's live Python allocations at each
checkpoint, the cost of one call, and whether memory grew after the first 10⁵.

    .venv/bin/python bench/metrics_memory.py [--requests 1000000]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc
from pathlib import Path

from airouter.metrics import Metrics

ROUTES = ("/v1/chat/completions", "/route", "/api/ai/{request_type}", "unmatched")
STATUSES = (200, 200, 200, 200, 200, 200, 400, 429, 502, 504)
DEPLOYMENTS = ("llama-3.3-70b", "mistral-large", "deepseek-r1", "legacy-gpt-4o", None)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def record(metrics: Metrics, i: int) -> None:
    deployment = DEPLOYMENTS[i % len(DEPLOYMENTS)]
    facts = (
        {"deployment": deployment, "tokens_in": 120, "tokens_out": 30, "cost_usd": 0.0001,
         "fallbacks": i % 50 == 0, "fallback_used": i % 97 == 0}
        if deployment
        else {}
    )  # fmt: skip
    metrics.request(ROUTES[i % len(ROUTES)], STATUSES[i % len(STATUSES)], (i % 1000) / 1e4, facts)


def run(total: int, traced: bool) -> list[tuple[int, float, float]]:
    """(requests so far, RSS MB, traced MB) at each tenth of `total`."""
    metrics = Metrics()
    gc.collect()
    if traced:
        tracemalloc.start()
    points = [(0, rss_mb(), tracemalloc.get_traced_memory()[0] / 2**20 if traced else 0.0)]
    step = total // 10
    for i in range(total):
        record(metrics, i)
        if (i + 1) % step == 0:
            traced_mb = tracemalloc.get_traced_memory()[0] / 2**20 if traced else 0.0
            points.append((i + 1, rss_mb(), traced_mb))
    if traced:
        tracemalloc.stop()
    return points


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--requests", type=int, default=1_000_000)
    args = p.parse_args()
    started = time.perf_counter()
    plain = run(args.requests, traced=False)
    per_call_us = (time.perf_counter() - started) / args.requests * 1e6
    traced = run(args.requests, traced=True)
    print(f"Metrics.request: {per_call_us:.1f} µs per call (no tracing)")
    print("| requests | RSS MB | tracemalloc live MB |")
    print("|---:|---:|---:|")
    for (n, rss, _), (_, _, live) in zip(plain, traced, strict=True):
        print(f"| {n:,} | {rss:.1f} | {live:.3f} |")
    rss_growth = plain[-1][1] - plain[1][1]
    live_growth = traced[-1][2] - traced[1][2]
    flat = rss_growth < 1.0 and live_growth < 0.1
    print(
        f"\nafter the first 10%: RSS {rss_growth:+.2f} MB, live Python memory "
        f"{live_growth * 1024:+.1f} KB -> {'FLAT (PASS)' if flat else 'GROWING (FAIL)'}"
    )
    return 0 if flat else 1


if __name__ == "__main__":
    sys.exit(main())
