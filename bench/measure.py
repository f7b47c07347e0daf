"""One measurement of one target: probe, warm up, peak (wrk), fixed rate (openloop), /proc."""

from __future__ import annotations

import json
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

import loadgen
import procstat
from targets import Target, write_body
from upstream import STREAM_CHUNKS


@dataclass
class Settings:
    connections: int = 64
    seconds: float = 10
    warmup: float = 3
    rate: float = 200
    rate_seconds: float = 15
    load_cpu: str = "0"
    wrk_threads: int = 1
    fixed_rate: bool = True


@dataclass
class Sample:
    """What one run measured for one target."""

    target: str
    rps: float = 0.0
    p50_ms: float = 0.0
    p90_ms: float = 0.0
    p99_ms: float = 0.0
    cpu_us: float = 0.0
    peak_rss_mb: float = 0.0
    rate_p50_ms: float | None = None
    rate_p99_ms: float | None = None
    rate_cpu_us: float | None = None  # CPU per request at the fixed rate, warm-up included
    errors: dict[str, int] = field(default_factory=dict)
    note: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def probe(target: Target, body_file: Path) -> str:
    """One request; raises unless it is a 200 that went the intended way."""
    request = urllib.request.Request(  # noqa: S310 - a loopback URL we built
        target.url,
        data=body_file.read_bytes(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        status, raw = response.status, response.read()
    if status != 200:
        raise RuntimeError(f"{target.name}: probe answered {status}")
    if target.name == "router-stream":
        events = [e for e in raw.decode().split("\n\n") if e.startswith("data: ")]
        if events[-1] != "data: [DONE]" or len(events) < STREAM_CHUNKS + 2:
            raise RuntimeError(f"router-stream: {len(events)} events, last {events[-1]!r}")
        return f"{len(events)} events, the last [DONE]"
    payload = json.loads(raw)
    if target.name == "gateway":
        meta = payload["metadata"]
        if meta["provider"] != "foundry" or meta["fallback_used"]:
            raise RuntimeError(f"gateway did not answer through foundry: {meta}")
        return f"provider={meta['provider']} deployment={meta['deployment']}"
    if target.name == "router":
        routing = payload["airouter"]["routing"]
        return f"rule={routing['rule']} type={routing['type']} language={routing['language']}"
    return "ok"


def measure(target: Target, workdir: Path, settings: Settings) -> Sample:
    """Start `target`, load it, stop it; the numbers of this one run."""
    body = write_body(target, workdir)
    sample = Sample(target.name)
    target.start(workdir)
    try:
        sample.note = probe(target, body)
        peak(target, body, settings, sample)
        if settings.fixed_rate:
            cpu_before = procstat.cpu_seconds(target.pid)
            fixed = loadgen.open_loop(
                target.url, body, rate=settings.rate, seconds=settings.rate_seconds,
                cpu=settings.load_cpu,
            )  # fmt: skip
            sample.rate_p50_ms, sample.rate_p99_ms = fixed.p50_ms, fixed.p99_ms
            cpu_used = procstat.cpu_seconds(target.pid) - cpu_before
            sample.rate_cpu_us = cpu_used / fixed.sent_in_all * 1e6 if fixed.sent_in_all else None
            add_errors(sample, fixed.errors, "rate")
        sample.peak_rss_mb = procstat.peak_rss_mb(target.pid)
    finally:
        target.stop()
    return sample


def peak(target: Target, body: Path, settings: Settings, sample: Sample) -> None:
    """Closed-loop peak after a warm-up; CPU time of the target over the measured window."""
    warm = loadgen.wrk(
        target.url, body, connections=settings.connections, seconds=settings.warmup,
        cpu=settings.load_cpu, threads=settings.wrk_threads,
    )  # fmt: skip
    add_errors(sample, warm.errors, "warmup")
    cpu_before = procstat.cpu_seconds(target.pid)
    result = loadgen.wrk(
        target.url, body, connections=settings.connections, seconds=settings.seconds,
        cpu=settings.load_cpu, threads=settings.wrk_threads,
    )  # fmt: skip
    cpu_used = procstat.cpu_seconds(target.pid) - cpu_before
    sample.rps = result.rps
    sample.p50_ms, sample.p90_ms, sample.p99_ms = result.p50_ms, result.p90_ms, result.p99_ms
    sample.cpu_us = cpu_used / result.requests * 1e6 if result.requests else 0.0
    add_errors(sample, result.errors, "peak")


def add_errors(sample: Sample, errors: dict[str, int], phase: str) -> None:
    for kind, count in errors.items():
        key = f"{phase}:{kind}"
        sample.errors[key] = sample.errors.get(key, 0) + count
