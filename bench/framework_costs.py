"""What one request costs in each way of serving an endpoint, in-process (no sockets).

The same endpoint -- validate a chat-completions body, answer a small JSON -- served
five ways and called through ASGI directly, so only the framework's per-request
work differs. This is the measurement behind `airouter.web.edge` serving the hot
endpoints itself (docs/benchmarks.md):

    .venv/bin/python bench/framework_costs.py

  fastapi, body model         FastAPI parses and validates the body (dependency solver)
  fastapi, request only       FastAPI route whose endpoint reads the body itself
  fastapi + starlette route   a plain Starlette Route inside a FastAPI app
  starlette                   a Starlette app with that route
  raw asgi                    the endpoint as a bare ASGI callable
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Mapping
from typing import Any

import orjson
from fastapi import FastAPI, Request
from inprocess import post_scope
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

from airouter.router.schemas import ChatCompletionBody

PATH = "/v1/chat/completions"
BODY = orjson.dumps(
    {
        "model": "auto",
        "messages": [
            {"role": "system", "content": "You are helpful."},
            {"role": "user", "content": "Write a short poem about the sea."},
        ],
        "max_tokens": 64,
    }
)
ANSWER = b'{"ok": true}'


def answer() -> Response:
    return Response(ANSWER, media_type="application/json")


async def reads_its_body(request: Request) -> Response:
    ChatCompletionBody.model_validate_json(await request.body())
    return answer()


def fastapi_body_model() -> FastAPI:
    app = FastAPI()

    @app.post(PATH)
    async def endpoint(body: ChatCompletionBody) -> Response:
        return answer()

    return app


def fastapi_request_only() -> FastAPI:
    app = FastAPI()
    app.add_api_route(PATH, reads_its_body, methods=["POST"])
    return app


def fastapi_with_starlette_route() -> FastAPI:
    app = FastAPI()
    app.add_route(PATH, reads_its_body, methods=["POST"])
    return app


def starlette() -> Starlette:
    return Starlette(routes=[Route(PATH, reads_its_body, methods=["POST"])])


async def raw_asgi(scope: Any, receive: Any, send: Any) -> None:
    message = await receive()
    ChatCompletionBody.model_validate_json(message["body"])
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": ANSWER})


async def per_request_us(app: Any, n: int = 20_000) -> float:
    scope = post_scope(PATH)

    async def receive() -> Mapping[str, Any]:
        return {"type": "http.request", "body": BODY, "more_body": False}

    async def send(message: Mapping[str, Any]) -> None:
        if message["type"] == "http.response.start" and message["status"] != 200:
            raise SystemExit(f"status {message['status']}")

    for _ in range(500):
        await app(dict(scope, state={}), receive, send)
    started = time.process_time()
    for _ in range(n):
        await app(dict(scope, state={}), receive, send)
    return (time.process_time() - started) / n * 1e6


async def main() -> None:
    ways = {
        "fastapi, body model": fastapi_body_model(),
        "fastapi, request only": fastapi_request_only(),
        "fastapi + starlette route": fastapi_with_starlette_route(),
        "starlette": starlette(),
        "raw asgi": raw_asgi,
    }
    print("| way | CPU µs per request (min of 3) |\n|---|---:|")
    for name, app in ways.items():
        best = min([await per_request_us(app) for _ in range(3)])
        print(f"| {name} | {best:.1f} |")
    sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main())
