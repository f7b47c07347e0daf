"""The bare Python floor: forward POST /v1/chat/completions to one upstream, nothing else.

Starlette + uvicorn (uvloop, httptools) + one pooled aiohttp client. No routing,
no validation, no logging: what any Python gateway costs before it does any work.

    python bench/passthrough.py --port 9001 --upstream http://127.0.0.1:9000
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def build_app(upstream: str) -> Starlette:
    url = upstream.rstrip("/") + "/v1/chat/completions"
    session: dict[str, aiohttp.ClientSession] = {}

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        connector = aiohttp.TCPConnector(limit=512, keepalive_timeout=30)
        async with aiohttp.ClientSession(connector=connector) as client:
            session["client"] = client
            yield

    async def chat(request: Request) -> Response:
        body = await request.body()
        headers = {"Content-Type": "application/json"}
        async with session["client"].post(url, data=body, headers=headers) as upstream_response:
            payload = await upstream_response.read()
            return Response(payload, upstream_response.status, media_type="application/json")

    return Starlette(
        routes=[Route("/v1/chat/completions", chat, methods=["POST"])], lifespan=lifespan
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True)
    args = parser.parse_args()
    uvicorn.run(
        build_app(args.upstream),
        host="127.0.0.1",
        port=args.port,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
