"""What each candidate src change would buy, measured before anyone makes it.

Runs airouter's real app factories with one injected collaborator swapped
(bench/variant_app.py) under the same load as gateway_bench.py:

  router              as shipped (`airouter serve --role router`): the CLI target
  +httpx              httpx's client API over aiohttp (bench/aiohttp_transport.py) as the
                      upstream seam: what httpx's own layer costs (src dropped it)
  +floor              a bare HTTP/1.1 seam (bench/floor_upstream.py) in place of aiohttp:
                      the most a leaner upstream client could buy
  -gcfreeze           gc.freeze() only, Python's default young generation (700)
  -gcdefault          no GC tuning at all
  -nolog              AIROUTER_LOG_LEVEL=warning (both per-request log events off)
  -nodetect           a fixed classifier: what detection costs on a cache miss
  -thp                Python's objects from glibc malloc on transparent huge pages
                      (PYTHONMALLOC=malloc, GLIBC_TUNABLES=glibc.malloc.hugetlb=1)
  gateway...          the gateway target, shipped and with the same swaps
direct and passthrough run too, as the floor and the reference.

    .venv/bin/python bench/experiments.py --runs 3
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import report
import targets
from measure import Sample, Settings, measure
from procstat import free_port
from upstream import Nginx

HERE = Path(__file__).resolve().parent
QUIET = {"AIROUTER_LOG_LEVEL": "warning"}
# Fewer, larger pages for the heap: fewer TLB misses when a lone request finds the
# caches cold (docs/benchmarks.md, "Latency at 200 req/s").
HUGE_PAGES = {"PYTHONMALLOC": "malloc", "GLIBC_TUNABLES": "glibc.malloc.hugetlb=1"}
VARIANTS: dict[str, tuple[str, list[str], dict[str, str]]] = {
    # name: (role, variant_app flags, env overrides)
    "router": ("router", [], {}),
    "router+httpx": ("router", ["--transport", "httpx"], {}),
    "router+floor": ("router", ["--transport", "floor"], {}),
    "router-gcfreeze": ("router", ["--gc", "freeze"], {}),
    "router-gcdefault": ("router", ["--gc", "default"], {}),
    "router-nolog": ("router", [], QUIET),
    "router-nodetect": ("router", ["--classifier", "fixed"], {}),
    "router-thp": ("router", [], HUGE_PAGES),
    "gateway": ("all", [], {}),
    "gateway+floor": ("all", ["--transport", "floor"], {}),
    "gateway-gcfreeze": ("all", ["--gc", "freeze"], {}),
    "gateway-gcdefault": ("all", ["--gc", "default"], {}),
}


def variant(name: str, upstream: int, workdir: Path) -> targets.Target:
    role, flags, env = VARIANTS[name]
    (workdir / "routing.yaml").write_text(targets.routing_yaml(upstream))
    argv = [
        sys.executable,
        str(HERE / "variant_app.py"),
        "--port",
        "{port}",
        "--role",
        role,
        *flags,
    ]
    full_env = {**targets.airouter_env(workdir), "AI_PROVIDER": "foundry", **env}
    full_env["PYTHONPATH"] = str(HERE)
    body: dict[str, object] = dict(targets.GATEWAY_BODY)
    path = "/api/ai/chat"
    if role == "router":
        path, body = "/v1/chat/completions", targets.chat_body("auto")
    base = name.split("+")[0].split("-")[0]  # the probe checks a router or a gateway answer
    return targets.Target(base, path, body, argv, full_env, port=free_port())


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--variants", default=",".join(VARIANTS))
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--rate-seconds", type=float, default=10)
    args = p.parse_args()
    names = ["direct", "passthrough", *[v for v in args.variants.split(",") if v]]
    settings = Settings(seconds=args.seconds, rate_seconds=args.rate_seconds)
    targets.ensure_python_deps()
    workdir = Path(tempfile.mkdtemp(prefix="airouter-exp-"))
    runs: list[dict[str, Sample]] = []
    upstream = Nginx(free_port(), "0").start()
    try:
        for i in range(args.runs):
            run: dict[str, Sample] = {}
            for name in names:
                t = (
                    targets.FACTORIES[name](upstream.port, workdir, 1)
                    if name in ("direct", "passthrough")
                    else variant(name, upstream.port, workdir)
                )
                assert isinstance(t, targets.Target)
                sample = measure(t, workdir, settings)
                sample.target = name
                run[name] = sample
                print(f"run {i + 1} {name:<26} {sample.rps:8,.0f} req/s "
                      f"{sample.cpu_us:7,.0f} µs/req", file=sys.stderr)  # fmt: skip
            runs.append(run)
    finally:
        upstream.stop()
    rows = report.aggregate(runs, names, {})
    print(report.table(rows))
    print("\nerrors:\n" + report.errors_text(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
