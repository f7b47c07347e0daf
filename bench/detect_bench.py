"""Benchmark the local detector against an off-the-shelf baseline.

Run: .venv/bin/python bench/detect_bench.py [--rounds N]

Prints plain tables: detection time per prompt (p50/p99, microseconds; wall clock
and thread CPU time) for short prompts (<= 200 chars) and long ones (2,000 chars),
the resident memory each one adds (RSS delta, measured in a fresh subprocess), and
language accuracy on the shipped evaluation set. The baseline is lingua alone,
restricted to the seven default languages, in its default (high-accuracy) mode.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EVAL_SET = ROOT / "data" / "eval" / "prompts.jsonl"
LONG_CHARS = 2000
SHORT_CHARS = 200
LONG_COUNT = 140
SIZES = ("short", "long")
CLOCKS = ("wall", "cpu")
PERCENTILES = ("p50", "p99")
DEFAULT_LANGUAGES = ("en", "fr", "es", "de", "it", "pt", "nl")

Detect = Callable[[str], str]
"""Anything that maps a prompt to an ISO 639-1 code (or "und")."""


@dataclass(frozen=True, slots=True)
class Timing:
    """Percentiles of one call in microseconds: wall clock, and this thread's CPU time."""

    wall_p50: float
    wall_p99: float
    cpu_p50: float
    cpu_p99: float


@dataclass(frozen=True, slots=True)
class Row:
    label: str
    short: Timing
    long: Timing
    memory_mb: float
    heldout_language: float
    all_language: float


def build(name: str) -> Detect:
    """The detector under test ("detector") or the baseline ("baseline")."""
    if name == "detector":
        from airouter.detect import Detector

        detector = Detector()
        return lambda prompt: detector.detect(prompt).language
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [IsoCode639_1.from_str(code) for code in DEFAULT_LANGUAGES]
    lingua = LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_preloaded_language_models()
    model = lingua.build()

    def baseline(prompt: str) -> str:
        found = model.detect_language_of(prompt)
        return found.iso_code_639_1.name.lower() if found else "und"

    return baseline


def rss_mb() -> float:
    """Current resident set size, from /proc (Linux) or the peak from getrusage."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
    except (OSError, ValueError, IndexError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def memory_of(name: str) -> float:
    """RSS added by importing and building `name`, measured in a fresh interpreter."""
    result = subprocess.run(
        [sys.executable, __file__, "--memory", name],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return float(result.stdout.strip().splitlines()[-1])


def report_memory(name: str) -> None:
    """Subprocess side of `memory_of`: build, touch once, print the RSS delta."""
    before = rss_mb()
    detect = build(name)
    detect("warm up: is this English, or français, or español?")
    print(f"{rss_mb() - before:.1f}")


def eval_rows() -> list[tuple[str, str, str]]:
    """(prompt, language, split) of every case in the shipped evaluation set."""
    from airouter.detect.evaluate import load_eval

    return [(case.prompt, case.language, case.split) for case in load_eval(EVAL_SET)]


def long_prompts(prompts: Sequence[str], count: int) -> list[str]:
    """Prompts of exactly LONG_CHARS characters, each a run of consecutive eval prompts."""
    made: list[str] = []
    for start in range(count):
        text, index = "", start * 3
        while len(text) < LONG_CHARS:
            text += prompts[index % len(prompts)] + "\n"
            index += 1
        made.append(text[:LONG_CHARS])
    return made


def time_it(detect: Detect, prompts: Sequence[str], rounds: int) -> Timing:
    """p50/p99 of one call, over `rounds` passes after one warm-up pass.

    CPU time (CLOCK_THREAD_CPUTIME_ID) leaves out time the process spent preempted,
    which dominates wall-clock p99 on a busy two-core machine.
    """
    for prompt in prompts:
        detect(prompt)
    wall: list[int] = []
    cpu: list[int] = []
    for _ in range(rounds):
        for prompt in prompts:
            cpu_start, wall_start = time.thread_time_ns(), time.perf_counter_ns()
            detect(prompt)
            wall.append(time.perf_counter_ns() - wall_start)
            cpu.append(time.thread_time_ns() - cpu_start)
    wall.sort()
    cpu.sort()
    return Timing(
        _at(wall, 0.50) / 1e3, _at(wall, 0.99) / 1e3, _at(cpu, 0.50) / 1e3, _at(cpu, 0.99) / 1e3
    )


def accuracy(detect: Detect, rows: Sequence[tuple[str, str, str]], split: str | None) -> float:
    chosen = [(prompt, language) for prompt, language, part in rows if split in (None, part)]
    return sum(detect(prompt) == language for prompt, language in chosen) / len(chosen)


def measure(name: str, rows: Sequence[tuple[str, str, str]], rounds: int) -> Row:
    detect = build(name)
    prompts = [prompt for prompt, _, _ in rows]
    short = [prompt for prompt in prompts if len(prompt) <= SHORT_CHARS]
    return Row(
        label="airouter Detector" if name == "detector" else "baseline: lingua, 7 langs",
        short=time_it(detect, short, rounds),
        long=time_it(detect, long_prompts(prompts, LONG_COUNT), rounds),
        memory_mb=memory_of(name),
        heldout_language=accuracy(detect, rows, "heldout"),
        all_language=accuracy(detect, rows, None),
    )


def render(rows: Sequence[Row], short_count: int) -> str:
    """The report: a timing table, a memory/accuracy table and the ratios."""
    load = os.getloadavg()[0]
    return "\n".join(
        [
            f"prompts: {short_count} short (<= {SHORT_CHARS} chars), {LONG_COUNT} long "
            f"({LONG_CHARS} chars); load average {load:.2f} on {os.cpu_count()} cores",
            "",
            "time per prompt, microseconds",
            *_timing_table(rows),
            "",
            *_size_table(rows),
            "",
            *_ratios(*rows),
        ]
    )


def _timing_table(rows: Sequence[Row]) -> list[str]:
    header = f"{'':<34}{'short p50':>10}{'short p99':>10}{'long p50':>10}{'long p99':>10}"
    lines = [header, "-" * len(header)]
    for row in rows:
        for clock in CLOCKS:
            values = [_value(row, size, clock, pct) for size in SIZES for pct in PERCENTILES]
            cells = "".join(f"{value:>10.0f}" for value in values)
            lines.append(f"{row.label + ' (' + clock + ')':<34}{cells}")
    return lines


def _size_table(rows: Sequence[Row]) -> list[str]:
    header = f"{'':<34}{'RSS MB':>10}{'lang heldout':>14}{'lang all':>10}"
    lines = [header, "-" * len(header)]
    for row in rows:
        lines.append(
            f"{row.label:<34}{row.memory_mb:>10.1f}{row.heldout_language:>14.1%}"
            f"{row.all_language:>10.1%}"
        )
    return lines


def _ratios(ours: Row, base: Row) -> list[str]:
    timings = [
        f"{size} {clock} {pct} {_speedup(base, ours, size, clock, pct):.2f}x"
        for size in SIZES
        for clock in CLOCKS
        for pct in PERCENTILES
    ]
    return [
        "ratio baseline / detector (higher: the detector is faster or smaller):",
        "  " + ", ".join(timings[:4]),
        "  " + ", ".join(timings[4:]),
        f"  memory {base.memory_mb / max(ours.memory_mb, 0.1):.2f}x",
        "note: the detector also decides type and complexity; the baseline only language.",
    ]


def _speedup(base: Row, ours: Row, size: str, clock: str, pct: str) -> float:
    return _value(base, size, clock, pct) / _value(ours, size, clock, pct)


def _value(row: Row, size: str, clock: str, pct: str) -> float:
    value: float = getattr(getattr(row, size), f"{clock}_{pct}")
    return value


def _at(ordered: Sequence[int], fraction: float) -> float:
    return float(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))])


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5, help="timed passes over each corpus")
    parser.add_argument("--memory", choices=("detector", "baseline"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory:
        report_memory(args.memory)
        return
    rows = eval_rows()
    short_count = sum(len(prompt) <= SHORT_CHARS for prompt, _, _ in rows)
    results = [measure(name, rows, args.rounds) for name in ("detector", "baseline")]
    print(render(results, short_count))


if __name__ == "__main__":
    main()
