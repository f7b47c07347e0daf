"""CPU per request of airouter's own code: the whole app called in-process, no sockets.

The router's `/v1/chat/completions` (or the gateway's `/api/ai/chat`) is called
through the ASGI interface directly, with every deployment an HTTP one whose
upstream seam (`providers.transport.Upstream`) answers at once from memory with the
fake upstream's body, so what is measured is everything airouter does per request --
the edge, parsing and validation, detection, routing, the resilience driver and
breaker, building the upstream request and reading its answer, the response, the
request log event (written to stdout, so redirect it) and Prometheus -- and nothing
of uvicorn, aiohttp, the network or the upstream. `--provider instant` skips the HTTP
provider too (each deployment answers a ready-made result). Much steadier than the
socket-level harness on a shared machine, and fast (~20 s):

    .venv/bin/python bench/inprocess.py > /dev/null               # router
    .venv/bin/python bench/inprocess.py --role gateway > /dev/null
    .venv/bin/python bench/inprocess.py --unique-prompts > /dev/null
    .venv/bin/python bench/inprocess.py --instructions > /dev/null   # under callgrind

Prints (to stderr) the min and median CPU µs per request over 5 rounds. Run it from
another checkout with PYTHONPATH=<checkout>/src to compare two commits.

`--instructions` counts instead of timing: it runs the same loop twice under
valgrind's callgrind (Debian's `valgrind`), with 300 and 1,300 requests, and prints
the difference per request in machine instructions -- the same number whatever else
the machine is doing, so a change of a few percent shows (~1 min).

`--cold` times a request that runs alone, as at a low request rate: before each one
it writes to every cache line of a 64 MiB buffer (twice this machine's L3 cache),
which evicts airouter's code and data from the CPU caches and its pages from the
TLB. Prints the median wall time to the answer's last byte (what a client waits
for) and to the end of the request (the log event and Prometheus included), hot and
cold. Wall time, so run it a few times on a noisy machine (~15 s).
"""

from __future__ import annotations

import argparse
import gc
import itertools
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
import uvloop

from airouter.config.load import load_routing_config
from airouter.config.model import Deployment
from airouter.gateway.app import GatewayParts, create_gateway_app
from airouter.logs import configure_logging
from airouter.providers.base import ChatRequest, ChatResult, StreamChunk, Usage
from airouter.providers.transport import Target, UpstreamReply, UpstreamStream
from airouter.router.app import RouterParts, create_router_app
from airouter.settings import Settings
from airouter.state import MemoryStore

sys.path.insert(0, str(Path(__file__).resolve().parent))
from targets import routing_yaml  # bench/ is not a package
from upstream import completion_body

try:
    from airouter.server import tune_gc
except ImportError:  # a checkout from before tune_gc: what airouter.server did then

    def tune_gc() -> None:
        gc.collect()
        gc.freeze()


AGENT_ANSWER = orjson.dumps(
    {"response": "Thank you!", "confidence": 0.9, "suggested_upsell": None, "reasoning": "warm"}
).decode()
ROUTER_BODY: dict[str, object] = {
    "model": "auto",
    "messages": [
        {"role": "system", "content": "You are the helpful assistant of an online bike shop."},
        {"role": "user", "content": "Hi! When will my rear light arrive? (order 1234)"},
    ],
    "max_tokens": 200,
}
GATEWAY_BODY: dict[str, object] = {
    "creator_id": "c-42",
    "fan_id": "f-7",
    "message": "Loved it!",
    "plan": "business",
}


class InstantProvider:
    """A deployment that answers at once (the agents' schema is satisfied too)."""

    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment

    async def complete(self, request: ChatRequest) -> ChatResult:
        return ChatResult(AGENT_ANSWER, self.deployment.model, Usage(40, 12))

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamChunk]:
        raise NotImplementedError("not measured here")
        yield StreamChunk()


class CannedUpstream:
    """The upstream seam answering every POST at once with the fake upstream's body."""

    def __init__(self) -> None:
        body = completion_body().encode()
        self.reply = UpstreamReply(200, {"Content-Type": "application/json"}, body)

    async def post(self, target: Target, body: bytes, headers: Mapping[str, str]) -> UpstreamReply:
        return self.reply

    def stream(
        self, target: Target, body: bytes, headers: Mapping[str, str]
    ) -> AbstractAsyncContextManager[UpstreamStream]:
        raise NotImplementedError("not measured here")

    async def aclose(self) -> None:
        return None


def build(role: str, provider: str, workdir: Path) -> tuple[Any, str, dict[str, object]]:
    if provider == "http":  # the bench's routing table: every deployment an HTTP one
        config_file = workdir / "routing.yaml"
        config_file.write_text(routing_yaml(9))  # port 9: never dialled, the seam answers
        config = load_routing_config(config_file, {})
        router = RouterParts(upstream=CannedUpstream(), environ={})
        legacy = None
    else:
        config = load_routing_config(None, {})
        providers = {d.name: InstantProvider(d) for d in config.deployments}
        router = RouterParts(providers=providers, environ={})
        legacy = providers[config.legacy_deployment or ""]
    if role == "router":
        return create_router_app(Settings(), config, router), "/v1/chat/completions", ROUTER_BODY
    parts = GatewayParts(router=router, store=MemoryStore(), legacy_provider=legacy, environ={})
    app = create_gateway_app(Settings(provider="foundry"), config, parts, with_router=True)
    return app, "/api/ai/chat", GATEWAY_BODY


def bodies(body: dict[str, object], unique: bool) -> Callable[[], bytes]:
    if not unique:
        fixed = orjson.dumps(body)
        return lambda: fixed
    counter = itertools.count()
    text = orjson.dumps(body).decode()
    last = "Loved it!" if "message" in body else "(order 1234)"
    return lambda: text.replace(last, f"{last} ref {next(counter)}").encode()


def post_scope(path: str) -> dict[str, Any]:
    """The ASGI scope of a `POST path` with a JSON body, as uvicorn would pass it."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"host", b"bench")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
        "state": {},
    }


Call = Callable[[], Awaitable[int]]
"""One request through the app; returns when its answer's last byte went out
(time.perf_counter_ns)."""


@asynccontextmanager
async def warmed_up(args: argparse.Namespace, workdir: Path) -> AsyncIterator[Call]:
    """The app running (its lifespan entered) after a warm-up, and a way to call it.
    Raises SystemExit afterwards unless every request was answered 200."""
    app, path, body = build(args.role, args.provider, workdir)
    next_body = bodies(body, args.unique_prompts)
    statuses: list[int] = []

    async def call() -> int:
        raw = next_body()
        answered = 0

        async def receive() -> Mapping[str, Any]:
            return {"type": "http.request", "body": raw, "more_body": False}

        async def send(message: Mapping[str, Any]) -> None:
            nonlocal answered
            if message["type"] == "http.response.start":
                statuses.append(message["status"])
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                answered = time.perf_counter_ns()  # the answer's last byte

        await app(post_scope(path), receive, send)
        return answered

    async with app.router.lifespan_context(app):
        for _ in range(300):  # warm-up: caches, lazily built middleware, first log events
            await call()
        tune_gc()  # as `airouter serve` does once the app is built
        yield call
    if set(statuses) != {200}:
        raise SystemExit(f"not every request succeeded: statuses {sorted(set(statuses))}")


async def measure(args: argparse.Namespace, workdir: Path) -> list[float]:
    """CPU µs per request of each round (`rounds` of `per_round` after a warm-up)."""
    cpu: list[float] = []
    async with warmed_up(args, workdir) as call:
        for _ in range(args.rounds):
            started = time.process_time()
            for _ in range(args.per_round):
                await call()
            cpu.append((time.process_time() - started) / max(args.per_round, 1) * 1e6)
    return cpu


EVICTION_BYTES = 64 * 1024 * 1024


class CacheEvictor:
    """Called before a timed call: writes to every cache line of a buffer twice this
    machine's L3, which evicts the code and data under test from the CPU caches and
    its pages from the TLB (also used by bench/client_cold.py)."""

    def __init__(self) -> None:
        self._scratch = bytearray(EVICTION_BYTES)
        self._one_per_line = b"\x01" * (EVICTION_BYTES // 64)

    def __call__(self) -> None:
        self._scratch[::64] = self._one_per_line  # one write per 64-byte cache line


def median_us(nanoseconds: list[int]) -> float:
    return sorted(nanoseconds)[len(nanoseconds) // 2] / 1000


async def alone(args: argparse.Namespace, workdir: Path) -> dict[str, tuple[float, float]]:
    """Median µs to the answer's last byte and to the request's end, hot and cold."""
    evict = CacheEvictor()
    found: dict[str, tuple[float, float]] = {}
    async with warmed_up(args, workdir) as call:
        for mode in ("hot", "cold"):
            timed = []
            for _ in range(args.per_round):
                if mode == "cold":
                    evict()
                started = time.perf_counter_ns()
                answered = await call()
                timed.append((answered - started, time.perf_counter_ns() - started))
            found[mode] = (median_us([a for a, _ in timed]), median_us([t for _, t in timed]))
    return found


def instructions(argv: list[str]) -> float:
    """Machine instructions per request: two callgrind runs whose loops differ by 1,000."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("--instructions needs valgrind (apt-get install valgrind)")

    def count(per_round: int) -> int:
        cmd = [valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
               __file__, *argv, "--rounds", "1", "--per-round", str(per_round)]  # fmt: skip
        out = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        found = re.search(r"Collected : (\d+)", out.stderr)
        if out.returncode != 0 or found is None:
            raise SystemExit(f"callgrind failed:\n{out.stderr[-2000:]}")
        return int(found.group(1))

    with ThreadPoolExecutor(2) as pool:  # one run per core
        small, large = pool.map(count, [0, 1000])
    return (large - small) / 1000


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--role", choices=["router", "gateway"], default="router")
    p.add_argument("--provider", choices=["http", "instant"], default="http")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--per-round", type=int, default=3000)
    p.add_argument("--unique-prompts", action="store_true", help="no detection cache hits")
    p.add_argument("--log-level", default="info", help="warning: no per-request log events")
    p.add_argument("--instructions", action="store_true", help="count under callgrind instead")
    p.add_argument("--cold", action="store_true", help="time requests alone, caches evicted")
    args = p.parse_args()
    unique = ", unique prompts" if args.unique_prompts else ""
    label = f"{args.role} ({args.provider} provider{unique})"
    if args.instructions:
        forwarded = [a for a in sys.argv[1:] if a != "--instructions"]
        print(f"{label}: {instructions(forwarded):,.0f} instructions per request", file=sys.stderr)
        return
    configure_logging(args.log_level, "json")
    if args.cold:
        args.per_round = min(args.per_round, 1500)
        with tempfile.TemporaryDirectory(prefix="airouter-inprocess-") as workdir:
            found = uvloop.run(alone(args, Path(workdir)))
        for mode, (answered, ended) in found.items():
            print(
                f"{label}, {mode}: median µs to the answer {answered:.1f}, to the end "
                f"{ended:.1f} ({args.per_round} requests, one at a time)",
                file=sys.stderr,
            )
        return
    with tempfile.TemporaryDirectory(prefix="airouter-inprocess-") as workdir:
        cpu = uvloop.run(measure(args, Path(workdir)))  # the event loop `airouter serve` runs
    median = sorted(cpu)[len(cpu) // 2]
    print(
        f"{label}: CPU µs per request, min {min(cpu):.1f}, median {median:.1f} "
        f"({args.rounds} rounds of {args.per_round})",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
