"""CPU per request of airouter's own code: the whole app called in-process, no sockets.

The router's `/v1/chat/completions` (or the gateway's `/api/ai/chat`) is called
through the ASGI interface directly, with every deployment answering at once from
memory, so what is measured is everything airouter does per request -- the edge,
parsing and validation, detection, routing, the resilience driver and breaker, the
response, the request log event (written to stdout, so redirect it) and Prometheus
-- and nothing of uvicorn, the network or the upstream. Much steadier than the
socket-level harness on a shared machine, and fast (~20 s):

    .venv/bin/python bench/inprocess.py > /dev/null               # router
    .venv/bin/python bench/inprocess.py --role gateway > /dev/null
    .venv/bin/python bench/inprocess.py --unique-prompts > /dev/null

Prints (to stderr) the min and median CPU µs per request over 5 rounds. Run it from
another checkout with PYTHONPATH=<checkout>/src to compare two commits.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import sys
import time
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import orjson

from airouter.config.load import load_routing_config
from airouter.config.model import Deployment
from airouter.gateway.app import GatewayParts, create_gateway_app
from airouter.logs import configure_logging
from airouter.providers.base import ChatRequest, ChatResult, StreamChunk, Usage
from airouter.router.app import RouterParts, create_router_app
from airouter.settings import Settings
from airouter.state import MemoryStore

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


def build(role: str) -> tuple[Any, str, dict[str, object]]:
    config = load_routing_config(None, {})
    providers = {d.name: InstantProvider(d) for d in config.deployments}
    router = RouterParts(providers=providers, environ={})
    if role == "router":
        return create_router_app(Settings(), config, router), "/v1/chat/completions", ROUTER_BODY
    parts = GatewayParts(
        router=router,
        store=MemoryStore(),
        legacy_provider=providers[config.legacy_deployment or ""],
        environ={},
    )
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


async def measure(role: str, rounds: int, per_round: int, unique: bool) -> list[float]:
    app, path, body = build(role)
    next_body = bodies(body, unique)
    statuses: list[int] = []

    async def call() -> None:
        raw = next_body()
        scope = post_scope(path)

        async def receive() -> Mapping[str, Any]:
            return {"type": "http.request", "body": raw, "more_body": False}

        async def send(message: Mapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await app(scope, receive, send)

    async with app.router.lifespan_context(app):
        for _ in range(300):  # warm-up: caches, lazily built middleware, first log events
            await call()
        tune_gc()  # as `airouter serve` does once the app is built
        cpu: list[float] = []
        for _ in range(rounds):
            started = time.process_time()
            for _ in range(per_round):
                await call()
            cpu.append((time.process_time() - started) / per_round * 1e6)
    if set(statuses) != {200}:
        raise SystemExit(f"not every request succeeded: statuses {sorted(set(statuses))}")
    return cpu


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--role", choices=["router", "gateway"], default="router")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--per-round", type=int, default=3000)
    p.add_argument("--unique-prompts", action="store_true", help="no detection cache hits")
    p.add_argument("--log-level", default="info", help="warning: no per-request log events")
    args = p.parse_args()
    configure_logging(args.log_level, "json")
    cpu = asyncio.run(measure(args.role, args.rounds, args.per_round, args.unique_prompts))
    median = sorted(cpu)[len(cpu) // 2]
    print(
        f"{args.role}: CPU µs per request, min {min(cpu):.1f}, median {median:.1f} "
        f"({args.rounds} rounds of {args.per_round})",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
