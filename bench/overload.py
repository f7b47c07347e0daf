"""Overload: the router offered more than it can serve, with and without an in-flight limit.

The router (core 1) is first loaded closed-loop with wrk to find its peak, then
offered `--factor` times that rate open-loop (openloop.py, core 0) for `--seconds`:
once as shipped (no limit: every request waits its turn) and once with
`AIROUTER_MAX_IN_FLIGHT` set (past the limit a request is refused with 503 at once).
For each: how long until the last answer came back, what was served and refused
per second of that, what timed out at the client (10 s), and the latency of the
requests that were served.

    .venv/bin/python bench/overload.py                   # 1.5x the peak, limit 64
    .venv/bin/python bench/overload.py --factor 2 --limit 32

The generator's own ceiling (~3-5k req/s from one Python process) caps the rate it
can offer; past it, sending itself falls behind and "last answer after" grows even
for a target that keeps up.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadgen
import targets
from procstat import free_port
from upstream import Nginx


def measure(upstream: int, workdir: Path, limit: int | None, args: argparse.Namespace) -> None:
    target = targets.router(upstream, workdir, 1)
    if limit is not None:
        target.env = {**target.env, "AIROUTER_MAX_IN_FLIGHT": str(limit)}
    body = targets.write_body(target, workdir)
    target.start(workdir)
    try:
        loadgen.wrk(target.url, body, connections=64, seconds=3, cpu="0")  # warm-up
        peak = loadgen.wrk(target.url, body, connections=64, seconds=5, cpu="0").rps
        offered = peak * args.factor
        over = loadgen.open_loop(target.url, body, rate=offered, seconds=args.seconds, cpu="0")
    finally:
        target.stop()
    label = f"limit {limit}" if limit is not None else "no limit"
    took = over.seconds  # from the first send to the last answer
    refused = over.errors.get("http_503", 0)
    timeouts = sum(v for k, v in over.errors.items() if k != "http_503")
    print(
        f"| {label} | {peak:,.0f} | {offered:,.0f} | {took:.1f} | {over.requests / took:,.0f} | "
        f"{refused / took:,.0f} | {timeouts} | {over.p50_ms:,.1f} | {over.p99_ms:,.1f} |",
        flush=True,
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--factor", type=float, default=1.5, help="offered rate ÷ measured peak")
    p.add_argument("--limit", type=int, default=64, help="AIROUTER_MAX_IN_FLIGHT, second pass")
    p.add_argument("--seconds", type=float, default=10)
    args = p.parse_args()
    print(
        "| router | peak req/s (wrk) | offered req/s | last answer after s | served ok/s | "
        "refused 503/s | client timeouts or errors | p50 ms (served) | p99 ms (served) |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="airouter-overload-") as tmp:
        workdir = Path(tmp)
        upstream = Nginx(free_port(), "0").start()
        try:
            for limit in (None, args.limit):
                measure(upstream.port, workdir, limit, args)
        finally:
            upstream.stop()


if __name__ == "__main__":
    main()
