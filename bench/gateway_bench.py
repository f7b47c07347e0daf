"""airouter's benchmark harness (GitHub issue 6): what the gateway itself costs per request.

Every target runs pinned to core 1 (`taskset -c 1`) and is loaded from core 0,
against one fake upstream (nginx, core 0) that answers instantly. For each run and
each target: a probe, a 3 s warm-up, 10 s of closed-loop peak load from wrk with
64 connections, then 15 s at a fixed 200 req/s from openloop.py. Targets are
interleaved within a run, and each number printed is the median of the runs.

    .venv/bin/python bench/gateway_bench.py                 # the headline table, 3 runs
    .venv/bin/python bench/gateway_bench.py --runs 1 --targets direct,router
    .venv/bin/python bench/gateway_bench.py --workers 2     # scale: the router on both cores
    .venv/bin/python bench/gateway_bench.py --upstream-delay-ms 50 --connections 256

Raw samples go to bench/results/ (gitignored), next to the targets' logs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import report
import targets
from measure import Sample, Settings, measure
from procstat import cpu_latency_qos, free_port, idle_entries, stop, wait_port
from upstream import Nginx

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
ALL = ("direct", "passthrough", "router", "gateway", "litellm", "router-stream")
HEADLINE = ALL[:5]  # router-stream on request: it has no goal, and no stream-aware peer here
TARGET_CPU = targets.Target.cpu  # the core the targets are pinned to (one worker)
BOTH_CPUS = "0,1"  # where they run with --workers 2 and more, the load generator too


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument(
        "--targets", default=",".join(HEADLINE), help="comma-separated, from: " + ", ".join(ALL)
    )
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--seconds", type=float, default=10, help="measured peak load per run")
    p.add_argument("--warmup", type=float, default=3)
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--rate", type=float, default=200, help="fixed-rate mode, req/s")
    p.add_argument("--rate-seconds", type=float, default=15)
    p.add_argument("--no-rate", action="store_true", help="skip the fixed-rate mode")
    p.add_argument("--workers", type=int, default=1, help="airouter workers; >1 uses both cores")
    p.add_argument(
        "--upstream-delay-ms", type=float, default=0, help="0: nginx; >0: slow_upstream.py"
    )
    p.add_argument("--label", default="", help="name of this run's result files")
    p.add_argument(
        "--unique-prompts",
        action="store_true",
        help="a new prompt on every request: no cache can help (the detector's misses)",
    )
    p.add_argument(
        "--cpu-latency-qos",
        action="store_true",
        help="idle CPUs poll instead of halting for the whole run (PM QoS 0 µs, as tuned's\n"
        "latency-performance profile does; needs root). Off by default: the headline\n"
        "numbers are the machine as it comes.",
    )
    return p.parse_args(argv)


class Upstream:
    """nginx on core 0 (instant), or slow_upstream.py when a delay is asked for."""

    def __init__(self, delay_ms: float, cpu: str) -> None:
        self.port = free_port()
        self.delay_ms = delay_ms
        self.cpu = cpu
        self.nginx: Nginx | None = None
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Upstream:
        if not self.delay_ms:
            self.nginx = Nginx(self.port, self.cpu).start()
            return self
        argv = [sys.executable, str(HERE / "slow_upstream.py"), "--port", str(self.port)]
        argv += ["--delay-ms", f"{self.delay_ms:g}"]
        self.proc = subprocess.Popen(["taskset", "-c", self.cpu, *argv], cwd=HERE)
        wait_port(self.port, self.proc, 20)
        return self

    def __exit__(self, *_: object) -> None:
        if self.nginx is not None:
            self.nginx.stop()
        if self.proc is not None:
            stop(self.proc)


def settings_for(args: argparse.Namespace) -> Settings:
    both = args.workers > 1
    return Settings(
        connections=args.connections,
        seconds=args.seconds,
        warmup=args.warmup,
        rate=args.rate,
        rate_seconds=args.rate_seconds,
        load_cpu=BOTH_CPUS if both else "0",
        wrk_threads=2 if both else 1,
        fixed_rate=not args.no_rate,
    )


def one_run(
    names: list[str], args: argparse.Namespace, upstream: Upstream, workdir: Path,
    skipped: dict[str, str],
) -> dict[str, Sample]:  # fmt: skip
    run: dict[str, Sample] = {}
    settings = settings_for(args)
    for name in names:
        if name in skipped:
            continue
        if name == "direct" and args.upstream_delay_ms:
            skipped[name] = "the floor here is the delayed upstream itself"
            continue
        made = targets.FACTORIES[name](upstream.port, workdir, args.workers)
        if isinstance(made, str):
            skipped[name] = made
            continue
        if args.workers > 1:
            made.cpu = BOTH_CPUS
        if args.unique_prompts:
            made.body = targets.with_unique_prompt(made.body)
        # LiteLLM saturates below the fixed rate, so that mode would only measure its queue.
        own = replace(settings, fixed_rate=settings.fixed_rate and name != "litellm")
        try:
            run[name] = measure(made, workdir, own)
        except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
            log_tail = _tail(workdir / f"{name}.log")
            skipped[name] = f"failed: {exc}".splitlines()[0][:200]
            print(f"  {name}: {skipped[name]}\n{log_tail}", file=sys.stderr)
            continue
        s = run[name]
        print(
            f"  {name:<12} {s.rps:>8,.0f} req/s  p50 {s.p50_ms:6.2f} ms  "
            f"p99 {s.p99_ms:6.2f} ms  {s.cpu_us:7,.0f} µs/req  @rate p50 "
            f"{report.fmt(s.rate_p50_ms, '5.2f')} p99 {report.fmt(s.rate_p99_ms, '5.2f')} "
            f"{report.fmt(s.rate_cpu_us, ',.0f')} µs/req  RSS {s.peak_rss_mb:4.0f} MB  "
            f"errors {sum(s.errors.values())}  [{s.note}]",
            file=sys.stderr,
        )
    return run


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    names = [n.strip() for n in args.targets.split(",") if n.strip()]
    unknown = [n for n in names if n not in ALL]
    if unknown:
        sys.exit(f"unknown target(s): {', '.join(unknown)}")
    targets.ensure_python_deps()
    RESULTS.mkdir(exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="airouter-bench-"))
    runs: list[dict[str, Sample]] = []
    skipped: dict[str, str] = {}
    cores = BOTH_CPUS if args.workers > 1 else TARGET_CPU
    idle_before = idle_entries(cores)
    with cpu_latency_qos(args.cpu_latency_qos), Upstream(args.upstream_delay_ms, "0") as upstream:
        for i in range(args.runs):
            print(f"run {i + 1}/{args.runs}", file=sys.stderr)
            runs.append(one_run(names, args, upstream, workdir, skipped))
    idle = {k: v - idle_before.get(k, 0) for k, v in idle_entries(cores).items()}
    rows = report.aggregate(runs, names, skipped)
    print(describe(args))
    print(report.table(rows))
    print("\nerrors:\n" + report.errors_text(rows))
    print("\ngoals:\n" + report.goals_text(rows))
    if idle:  # whether the targets' cores halted between requests (--cpu-latency-qos)
        entered = ", ".join(f"{name} {count:,}" for name, count in idle.items())
        print(f"\nidle states entered by core(s) {cores} during the runs: {entered}")
    save(args, runs, rows, workdir, idle)
    return 0


def revision() -> str:
    """The commit measured, and whether src/ had uncommitted changes at the time."""

    def git(*cmd: str) -> str:
        out = subprocess.run(["git", "-C", str(HERE.parent), *cmd], capture_output=True, text=True)
        return out.stdout.strip()

    dirty = git("status", "--porcelain", "--", "src")
    return git("rev-parse", "--short", "HEAD") + (" + uncommitted src changes" if dirty else "")


def describe(args: argparse.Namespace) -> str:
    upstream = f"{args.upstream_delay_ms:g} ms upstream" if args.upstream_delay_ms else "nginx"
    cores = "both cores" if args.workers > 1 else "core 1"
    rate = "" if args.no_rate else f", Δ = added latency vs direct at {args.rate:g} req/s open loop"
    rate += "; a new prompt on every request" if args.unique_prompts else ""
    rate += "; idle CPUs polling (PM QoS 0 µs)" if args.cpu_latency_qos else ""
    return (
        f"\n{args.runs} run(s), medians; {args.connections} connections, {args.seconds:g} s "
        f"after {args.warmup:g} s warm-up; {upstream}; targets on {cores}, "
        f"{args.workers} worker(s){rate}; airouter at {revision()}\n"
    )


def save(
    args: argparse.Namespace,
    runs: list[dict[str, Sample]],
    rows: list[report.Row],
    workdir: Path,
    idle: dict[str, int],
) -> None:
    label = args.label or time.strftime("%Y%m%d-%H%M%S")
    data = {
        "args": vars(args),
        "revision": revision(),
        "runs": [{k: s.as_dict() for k, s in run.items()} for run in runs],
        "rows": [vars(r) for r in rows],
        "table": report.table(rows),
        "idle_states_entered": idle,
    }
    (RESULTS / f"{label}.json").write_text(json.dumps(data, indent=2))
    for log in workdir.glob("*.log"):  # the last 2 MB of each target's log
        with log.open("rb") as f:
            f.seek(max(0, log.stat().st_size - 2_000_000))
            (RESULTS / f"{label}-{log.name}").write_bytes(f.read())
    print(f"\nraw samples: {RESULTS / (label + '.json')}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
