"""airouter's own app factories served with one collaborator swapped (for experiments).

Nothing in src/ changes: the router and gateway already take their upstream seam
and classifier as injected parts (`RouterParts`), so each variant measures what one
src change would buy before anyone makes it.

    python bench/variant_app.py --port 9003 --role router --transport httpx --gc default

`--transport floor` is bench/floor_upstream.py: the least an HTTP client can do.
"""

from __future__ import annotations

import argparse
import gc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from aiohttp_transport import AiohttpTransport
from floor_upstream import FloorUpstream, WholeAnswersOnly

from airouter.config.model import Complexity, TaskType
from airouter.gateway.app import GatewayParts, create_gateway_app
from airouter.logs import configure_logging
from airouter.providers.transport import Target, Upstream, UpstreamReply
from airouter.router.app import RouterParts, create_router_app
from airouter.server import tune_gc
from airouter.settings import load_settings


@dataclass(frozen=True)
class FixedDetection:
    """What the detector would say for the benchmark's prompt, without running it."""

    type: TaskType = "chat"
    complexity: Complexity = "low"
    language: str = "en"
    reasons: tuple[str, ...] = ()


class FixedClassifier:
    """Answers like the detector (both its older sync and current async interface)."""

    def detect_messages(self, messages: Sequence[Mapping[str, Any]]) -> FixedDetection:
        return FixedDetection()

    async def classify(self, messages: Sequence[Mapping[str, Any]]) -> FixedDetection:
        return FixedDetection()


class HttpxUpstream(WholeAnswersOnly):
    """The upstream seam as src had it before: httpx's client API over aiohttp's pool.

    Whole answers only (the benchmark never streams); errors are not translated.
    """

    def __init__(self) -> None:
        self._client = httpx.AsyncClient(transport=AiohttpTransport(), follow_redirects=False)

    async def post(self, target: Target, body: bytes, headers: Mapping[str, str]) -> UpstreamReply:
        t = target.timeouts
        timeout = httpx.Timeout(t.total, connect=t.connect, read=t.first_byte)
        response = await self._client.post(
            target.url, content=body, headers={**target.headers, **headers}, timeout=timeout
        )
        return UpstreamReply(response.status_code, response.headers, response.content)


def upstream_for(transport: str) -> Upstream | None:
    """None: whatever src/airouter/router/app.py builds today."""
    if transport == "shipped":
        return None
    return FloorUpstream() if transport == "floor" else HttpxUpstream()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--role", choices=["router", "all"], default="router")
    p.add_argument("--transport", choices=["shipped", "httpx", "floor"], default="shipped")
    p.add_argument("--classifier", choices=["detector", "fixed"], default="detector")
    p.add_argument(
        "--gc",
        choices=["shipped", "freeze", "default"],
        default="shipped",
        help="shipped: airouter.server.tune_gc(); freeze: gc.freeze() only; default: Python's",
    )
    args = p.parse_args()
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    router = RouterParts(upstream=upstream_for(args.transport))
    if args.classifier == "fixed":
        router.classifier = FixedClassifier()
    if args.role == "router":
        app = create_router_app(settings, parts=router)
    else:
        app = create_gateway_app(settings, parts=GatewayParts(router=router), with_router=True)
    if args.gc == "shipped":
        tune_gc()
    elif args.gc == "freeze":  # startup objects move to a generation no collection traverses
        gc.collect()
        gc.freeze()
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
