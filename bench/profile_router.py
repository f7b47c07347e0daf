"""Profile a target's hot path under load with py-spy, and summarize the top costs.

Starts the fake upstream and one target (router by default) exactly as
gateway_bench.py does, drives it with wrk from core 0, and meanwhile records it
with py-spy (also on core 0, so sampling does not steal the target's core):

    .venv/bin/python bench/profile_router.py                 # router, 20 s
    .venv/bin/python bench/profile_router.py --target gateway

Writes bench/results/<target>.svg (flame graph), <target>.speedscope.json and
<target>.collapsed.txt, and prints the functions with the most samples: self
(samples whose innermost frame is that function) and total (on the stack at all).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import experiments
import loadgen
import targets
from procstat import free_port
from upstream import Nginx

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
PY_SPY = str(targets.VENV_BIN / "py-spy")


def record(pid: int, out: Path, fmt: str, seconds: float, rate: int) -> subprocess.Popen[bytes]:
    cmd = ["taskset", "-c", "0", PY_SPY, "record", "--pid", str(pid), "--duration", f"{seconds:g}"]
    if fmt == "native":  # C frames too: shows the garbage collector, which Python frames hide
        cmd.append("--native")
        fmt = "raw"
    cmd += ["--rate", str(rate), "--format", fmt, "--output", str(out)]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def parse_collapsed(path: Path) -> tuple[Counter[str], Counter[str], int]:
    """Self and total sample counts per frame ("function (file:line)") and the sample count."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        frames = stack.split(";")
        samples += count
        own[frames[-1]] += count
        for frame in {_function(f) for f in frames}:
            total[frame] += count
    return own, total, samples


def _function(frame: str) -> str:
    """'name (path:line)' → 'name (path)', so total time is per function, not per line."""
    name, _, where = frame.partition(" (")
    return f"{name} ({where.rsplit(':', 1)[0]})" if where else name


def short(frame: str) -> str:
    for marker in ("site-packages/", "/src/", "lib/python3"):
        if marker in frame:
            head, _, tail = frame.partition(" (")
            return f"{head} ({tail.split(marker, 1)[-1]}"
    return frame


def summary(path: Path, top: int) -> str:
    own, total, samples = parse_collapsed(path)
    lines = [f"{samples} samples", "", "self % | function (file:line)"]
    lines += [f"{c / samples:6.1%} | {short(f)}" for f, c in own.most_common(top)]
    lines += ["", "total % | function (file), ours and the frameworks' (event loop left out)"]
    skip = ("<module>", "run (", "run_forever", "_run_once", "serve (", "main (", "_run (asyncio")
    shown = [(f, c) for f, c in total.most_common() if not f.startswith(skip)]
    lines += [f"{c / samples:6.1%} | {short(f)}" for f, c in shown[:top]]
    return "\n".join(lines)


def gc_share(native: Path) -> str:
    """The share of native samples inside CPython's cyclic garbage collector."""
    _, total, samples = parse_collapsed(native)
    in_gc = max((c for frame, c in total.items() if frame.startswith("gc_collect_main")), default=0)
    return f"garbage collector (gc_collect_main, native samples): {in_gc / max(samples, 1):.1%}"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument(
        "--target", default="router", choices=["router", "gateway", "passthrough", "router-stream"]
    )
    p.add_argument("--variant", help="an experiments.py variant instead, e.g. router+aiohttp")
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--rate", type=int, default=200, help="py-spy samples per second")
    p.add_argument("--top", type=int, default=25)
    args = p.parse_args()
    targets.ensure_python_deps()
    RESULTS.mkdir(exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="airouter-profile-"))
    upstream = Nginx(free_port(), "0").start()
    if args.variant:
        target = experiments.variant(args.variant, upstream.port, workdir)
        args.target = args.variant.replace("+", "_")
    else:
        made = targets.FACTORIES[args.target](upstream.port, workdir, 1)
        assert isinstance(made, targets.Target)
        target = made
    try:
        target.start(workdir)
        body = targets.write_body(target, workdir)
        loadgen.wrk(target.url, body, connections=args.connections, seconds=3, cpu="0")
        outputs = {
            "raw": RESULTS / f"{args.target}.collapsed.txt",
            "flamegraph": RESULTS / f"{args.target}.svg",
            "speedscope": RESULTS / f"{args.target}.speedscope.json",
            "native": RESULTS / f"{args.target}.native.txt",
        }
        for fmt, out in outputs.items():  # one recording per format, each under the same load
            spy = record(target.pid, out, fmt, args.seconds, args.rate)
            result = loadgen.wrk(
                target.url, body, connections=args.connections, seconds=args.seconds + 1, cpu="0"
            )
            _, err = spy.communicate(timeout=60)
            if spy.returncode != 0:
                print(err.decode(errors="replace"), file=sys.stderr)
            print(f"{fmt}: {out}  ({result.rps:,.0f} req/s while sampling)", file=sys.stderr)
    finally:
        target.stop()
        upstream.stop()
    text = summary(outputs["raw"], args.top) + "\n\n" + gc_share(outputs["native"])
    (RESULTS / f"{args.target}.top.txt").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
