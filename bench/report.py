"""Medians over runs, deltas against direct, ratios, the goals, and the one table."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from measure import Sample

Run = dict[str, Sample]  # target name → that run's sample


@dataclass
class Row:
    target: str
    runs: int
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    cpu_us: float
    peak_rss_mb: float
    d_p50_ms: float | None
    d_p99_ms: float | None
    rate_cpu_us: float | None = None
    errors: dict[str, int] = field(default_factory=dict)
    note: str = ""
    skipped: str = ""


def _median(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def _delta(run: Run, name: str, attr: str) -> float | None:
    mine, floor = getattr(run[name], attr), getattr(run.get("direct"), attr, None)
    if mine is None or floor is None or name == "direct":
        return None
    return float(mine - floor)


def aggregate(runs: list[Run], order: list[str], skipped: dict[str, str]) -> list[Row]:
    rows = []
    for name in order:
        if name in skipped:
            rows.append(Row(name, 0, 0, 0, 0, 0, 0, 0, None, None, None, skipped=skipped[name]))
            continue
        samples = [run[name] for run in runs if name in run]
        errors: dict[str, int] = {}
        for s in samples:
            for kind, count in s.errors.items():
                errors[kind] = errors.get(kind, 0) + count
        med = {a: _median([getattr(s, a) for s in samples]) or 0.0 for a in
               ("rps", "p50_ms", "p90_ms", "p99_ms", "cpu_us")}  # fmt: skip
        rows.append(
            Row(
                name, len(samples), med["rps"], med["p50_ms"], med["p90_ms"], med["p99_ms"],
                med["cpu_us"], max(s.peak_rss_mb for s in samples),
                _median([_delta(r, name, "rate_p50_ms") for r in runs if name in r]),
                _median([_delta(r, name, "rate_p99_ms") for r in runs if name in r]),
                _median([s.rate_cpu_us for s in samples]), errors, samples[-1].note,
            )
        )  # fmt: skip
    return rows


def _ratio(row: Row, base: Row | None) -> str:
    if base is None or not base.rps or not row.rps:
        return "-"
    return f"{row.rps / base.rps:.2f}x"


def fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def table(rows: list[Row]) -> str:
    by = {r.target: r for r in rows if not r.skipped}
    head = ("target", "req/s", "p50 ms", "p90 ms", "p99 ms", "Δp50 @rate", "Δp99 @rate",
            "CPU µs/req", "CPU µs/req @rate", "peak RSS MB", "vs pass-through", "vs LiteLLM",
            "errors")  # fmt: skip
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        if r.skipped:
            lines.append(f"| {r.target} | not measured: {r.skipped} |" + " |" * (len(head) - 2))
            continue
        cells = (
            r.target, f"{r.rps:,.0f}", f"{r.p50_ms:.2f}", f"{r.p90_ms:.2f}", f"{r.p99_ms:.2f}",
            fmt(r.d_p50_ms, "+.2f"), fmt(r.d_p99_ms, "+.2f"), f"{r.cpu_us:,.0f}",
            fmt(r.rate_cpu_us, ",.0f"), f"{r.peak_rss_mb:.0f}", _ratio(r, by.get("passthrough")),
            _ratio(r, by.get("litellm")),
            str(sum(r.errors.values())),
        )  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def goals(rows: list[Row], rss_limit_mb: float = 150) -> list[tuple[str, bool | None, str]]:
    """(goal, passed or None when it could not be judged, evidence)."""
    by = {r.target: r for r in rows if not r.skipped}
    bare, router, gw, lite = (by.get(n) for n in ("passthrough", "router", "gateway", "litellm"))
    out: list[tuple[str, bool | None, str]] = []

    def share(row: Row | None, base: Row | None) -> float | None:
        return row.rps / base.rps if row and base and base.rps else None

    def add(goal: str, value: float | None, ok: bool, evidence: str) -> None:
        out.append((goal, None if value is None else ok, evidence if value is not None else "n/a"))

    s = share(router, bare)
    add("router >= 50% of pass-through", s, (s or 0) >= 0.5, f"{(s or 0):.0%}")
    s = share(router, lite)
    add("router >= 20x LiteLLM", s, (s or 0) >= 20, f"{(s or 0):.1f}x")
    s = share(gw, bare)
    add("gateway >= 25% of pass-through", s, (s or 0) >= 0.25, f"{(s or 0):.0%}")
    for r in (bare, router, gw):
        if r is None:
            continue
        d50, d99 = r.d_p50_ms, r.d_p99_ms
        ok = d50 is not None and d99 is not None and d50 <= 1 and d99 <= 3
        add(f"{r.target}: added p50 <= 1 ms, p99 <= 3 ms @rate", d50, ok,
            f"+{d50 or 0:.2f} / +{d99 or 0:.2f} ms")  # fmt: skip
    for r in (router, gw):
        if r is not None:
            add(f"{r.target}: peak RSS <= {rss_limit_mb:.0f} MB", r.peak_rss_mb,
                r.peak_rss_mb <= rss_limit_mb, f"{r.peak_rss_mb:.0f} MB")  # fmt: skip
    errors = sum(sum(r.errors.values()) for r in by.values())
    add("zero errors, every target and mode", 0.0, errors == 0, f"{errors} errors")
    return out


def goals_text(rows: list[Row]) -> str:
    mark = {True: "PASS", False: "FAIL", None: "n/a "}
    return "\n".join(f"  {mark[ok]}  {goal}: {ev}" for goal, ok, ev in goals(rows))


def errors_text(rows: list[Row]) -> str:
    found = [f"  {r.target}: {r.errors}" for r in rows if r.errors]
    return "\n".join(found) if found else "  none (non-2xx, connect, read, write, timeout: all 0)"
