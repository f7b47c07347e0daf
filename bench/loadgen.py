"""The two load generators: wrk (closed loop, peak throughput) and openloop.py (fixed rate)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from procstat import apt_install

HERE = Path(__file__).resolve().parent
LUA = HERE / "post.lua"


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    errors: dict[str, int] = field(default_factory=dict)
    sent_in_all: int = 0  # fixed rate: every request sent, the warm-up's included

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    apt_install("wrk")
    return "/usr/bin/wrk"


def wrk(
    url: str, body_file: Path, *, connections: int, seconds: float, cpu: str, threads: int = 1
) -> LoadResult:
    """Closed-loop load: `connections` keep-alive connections, each sending back to back."""
    cmd = [
        "taskset", "-c", cpu, ensure_wrk(),
        f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s",
        "--latency", "-s", str(LUA), url,
    ]  # fmt: skip
    env = {**os.environ, "BENCH_BODY_FILE": str(body_file)}
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + 60)
    line = next((x for x in out.stdout.splitlines() if x.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{out.stdout}\n{out.stderr}")
    data = json.loads(line[6:])
    errors = {k: data[k] for k in ("connect", "read", "write", "status", "timeout") if data[k]}
    return LoadResult(
        data["requests"],
        data["duration_us"] / 1e6,
        data["p50_us"] / 1000,
        data["p90_us"] / 1000,
        data["p99_us"] / 1000,
        errors,
    )


def open_loop(url: str, body_file: Path, *, rate: float, seconds: float, cpu: str) -> LoadResult:
    """Fixed-rate load from openloop.py (latency from send, sends never wait for answers)."""
    cmd = [
        "taskset", "-c", cpu, sys.executable, str(HERE / "openloop.py"),
        "--url", url, "--body-file", str(body_file), "--rate", f"{rate:g}",
        "--seconds", f"{seconds:g}",
    ]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120)
    if out.returncode != 0:
        raise RuntimeError(f"openloop failed:\n{out.stderr[-2000:]}")
    data = json.loads(out.stdout.strip().splitlines()[-1])
    errors = dict(data["errors"])
    missing = data["sent"] - data["ok"] - sum(errors.values())
    if missing:
        errors["lost"] = missing
    return LoadResult(
        data["ok"],
        data["sent"] / data["rate"] if data["rate"] else 0.0,
        data["p50_us"] / 1000,
        data["p90_us"] / 1000,
        data["p99_us"] / 1000,
        errors,
        data["warmup_sent"] + data["sent"],
    )
