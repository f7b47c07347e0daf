"""A fake upstream model server speaking the OpenAI and Azure chat-completions wire formats.

Integration tests run it as a separate process (``python -m tests.fakes.upstream --port N``)
and script it over HTTP through the ``/__control`` API, so that airouter's providers cross
real sockets exactly as they would against OpenAI, Azure AI Foundry or Azure OpenAI.

Endpoints (one behaviour engine behind all three chat endpoints):

    POST /v1/chat/completions                           Bearer key, model from the body
    POST /models/chat/completions?api-version=          api-key header, model from the body
    POST /openai/deployments/{d}/chat/completions?...   api-key header, model = deployment
    GET  /v1/models

Control API: POST /__control/script, POST /__control/require_key, GET /__control/hits,
GET /__control/requests?model=, POST /__control/reset. See ``Step`` for the step schema.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter, deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from tests.fakes.wire import answer_text, completion, error_body, sse_events

KINDS = {"ok", "error", "malformed_json", "slow_headers", "slow_stream", "drop_mid_stream", "hang"}
DEFAULT_MODELS = ("gpt-4o-mini", "Mistral-Large-2411", "DeepSeek-R1", "Llama-3.3-70B-Instruct")


@dataclass(frozen=True)
class Step:
    """One scripted answer, parsed from ``{"kind", "status", "headers", "body", "content",
    "delay_ms"}`` (all optional).

    kinds:
        ok               the default success answer (JSON, or SSE when ``stream``)
        error            ``status`` (default 500) with an OpenAI error body
        malformed_json   200 whose body (or first SSE event) is truncated JSON
        slow_headers     like ok, after ``delay_ms``
        slow_stream      like ok, with ``delay_ms`` between body chunks / SSE events
        drop_mid_stream  sends about half the body or stream, then closes the connection
        hang             never answers; the request ends when the client hangs up

    ``kind`` defaults to ``error`` when ``status`` >= 400, else ``ok``. ``delay_ms`` is waited
    before the response starts for every kind except ``slow_stream``. ``headers`` are added
    to the response (e.g. ``Retry-After``). ``body`` replaces the whole response body (a JSON
    value, or a string sent verbatim); ``content`` replaces only the assistant text.
    """

    kind: str = "ok"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    content: str | None = None
    delay_ms: int = 0

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> Step:
        kind = raw.get("kind") or ("error" if int(raw.get("status", 200)) >= 400 else "ok")
        if kind not in KINDS:
            raise ValueError(f"unknown step kind {kind!r}; expected one of {sorted(KINDS)}")
        status = int(raw.get("status", 500 if kind == "error" else 200))
        headers = {str(k): str(v) for k, v in (raw.get("headers") or {}).items()}
        delay = int(raw.get("delay_ms", 0))
        return cls(kind, status, headers, raw.get("body"), raw.get("content"), delay)


@dataclass
class Script:
    """A FIFO of steps for one model; with ``repeat`` the last step is never used up."""

    steps: deque[Step]
    repeat: bool = False

    def next(self) -> Step | None:
        if not self.steps:
            return None
        if self.repeat and len(self.steps) == 1:
            return self.steps[0]
        return self.steps.popleft()


@dataclass
class FakeState:
    """Everything the fake remembers; cleared by ``/__control/reset``."""

    scripts: dict[str, Script] = field(default_factory=dict)
    required_key: str | None = None
    hits: Counter[str] = field(default_factory=Counter)
    records: list[dict[str, Any]] = field(default_factory=list)

    def next_step(self, model: str) -> Step | None:
        for name in (model, "*"):
            script = self.scripts.get(name)
            step = script.next() if script else None
            if step is not None:
                return step
        return None


# --- behaviours -------------------------------------------------------------------------


async def wait_for_disconnect(receive: Receive, seconds: float) -> None:
    """Sleep ``seconds``, returning early if the client hangs up."""
    with anyio.move_on_after(seconds):
        while (await receive())["type"] != "http.disconnect":
            pass


async def paced(parts: list[bytes], delay: float) -> AsyncIterator[bytes]:
    for index, part in enumerate(parts):
        if index:
            await anyio.sleep(delay)
        yield part


class DroppedResponse(Response):
    """Sends the first parts of a body, then returns without finishing it.

    uvicorn then closes the connection, so the client sees a truncated body (or stream)
    with no terminating chunk: what a crashed upstream or a reset connection looks like.
    """

    def __init__(self, parts: list[bytes], media_type: str, content_length: int | None) -> None:
        self.status_code = 200
        self.background = None
        self.parts = parts
        self.raw_headers = [(b"content-type", media_type.encode())]
        if content_length is not None:
            self.raw_headers.append((b"content-length", str(content_length).encode()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        for part in self.parts:
            await send({"type": "http.response.body", "body": part, "more_body": True})


async def respond(request: Request, model: str, body: dict[str, Any], step: Step) -> Response:
    """Turn a step (or the default answer) into a response."""
    if step.kind == "hang":
        await wait_for_disconnect(request.receive, 3600)
        return Response(status_code=499)
    if step.kind != "slow_stream" and step.delay_ms:
        await wait_for_disconnect(request.receive, step.delay_ms / 1000)
    if step.kind == "error":
        payload = step.body if step.body is not None else error_body(step.status)
        return raw_response(payload, step.status, step.headers)
    if step.kind == "malformed_json":
        broken = b'{"id": "chatcmpl-broken", "object": "chat.completion", "choices": [{"mess'
        if body.get("stream"):
            broken = b'data: {"id": "chatcmpl-broken", "choices": [{"del\n\ndata: [DONE]\n\n'
        return Response(broken, 200, step.headers, media_type=media(body))
    return stream_or_json(model, body, step)


def stream_or_json(model: str, body: dict[str, Any], step: Step) -> Response:
    text = answer_text(body, step.content)
    if body.get("stream") and step.body is None:
        parts = sse_events(model, body, text)
    else:
        payload = step.body if step.body is not None else completion(model, body, text)
        data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
        parts = [data[i : i + 64] for i in range(0, len(data), 64)]
    if step.kind == "drop_mid_stream":
        length = None if body.get("stream") else sum(map(len, parts))
        return DroppedResponse(parts[: max(1, len(parts) // 2)], media(body), length)
    if step.kind == "slow_stream":
        return StreamingResponse(paced(parts, step.delay_ms / 1000), 200, step.headers, media(body))
    return Response(b"".join(parts), step.status, step.headers, media_type=media(body))


def media(body: dict[str, Any]) -> str:
    return "text/event-stream" if body.get("stream") else "application/json"


def raw_response(payload: Any, status: int, headers: dict[str, str]) -> Response:
    if isinstance(payload, str):
        return Response(payload, status, headers, media_type="text/plain")
    return JSONResponse(payload, status, headers)


# --- handlers ---------------------------------------------------------------------------


def presented_key(request: Request, style: str) -> str | None:
    if style == "azure":
        return request.headers.get("api-key")
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token if scheme.lower() == "bearer" else None


def record(state: FakeState, request: Request, model: str, body: Any) -> None:
    state.hits[model] += 1
    state.records.append(
        {
            "model": model,
            "method": request.method,
            "path": request.url.path,
            "query": dict(request.query_params),
            "headers": {k.lower(): v for k, v in request.headers.items()},
            "json": body,
            "time": time.monotonic(),  # CLOCK_MONOTONIC is system-wide: comparable with tests
        }
    )


async def chat(request: Request) -> Response:
    state: FakeState = request.app.state.fake
    style = "openai" if request.url.path.startswith("/v1/") else "azure"
    try:
        body = json.loads(await request.body())
    except ValueError:
        body = None
    deployment = request.path_params.get("deployment")
    model = deployment or (body.get("model") if isinstance(body, dict) else None) or "<unknown>"
    record(state, request, str(model), body)
    if state.required_key is not None and presented_key(request, style) != state.required_key:
        return JSONResponse(error_body(401, "Incorrect API key provided"), 401)
    if style == "azure" and "api-version" not in request.query_params:
        return JSONResponse(error_body(400, "Missing required query parameter api-version"), 400)
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        return JSONResponse(error_body(400, "The request body must be a chat completion"), 400)
    step = state.next_step(str(model)) or Step()
    return await respond(request, str(model), body, step)


async def list_models(request: Request) -> Response:
    state: FakeState = request.app.state.fake
    if state.required_key is not None and presented_key(request, "openai") != state.required_key:
        return JSONResponse(error_body(401, "Incorrect API key provided"), 401)
    names = dict.fromkeys([*DEFAULT_MODELS, *(m for m in state.scripts if m != "*")])
    data = [{"id": n, "object": "model", "created": 0, "owned_by": "fake-upstream"} for n in names]
    return JSONResponse({"object": "list", "data": data})


async def control_script(request: Request) -> Response:
    raw = await request.json()
    try:
        model = str(raw["model"])
        steps = deque(Step.parse(s) for s in raw.get("responses", []))
    except (ValueError, TypeError, KeyError) as exc:
        return JSONResponse({"error": f"bad script: {exc!r}"}, 400)
    script = Script(steps, bool(raw.get("repeat", False)))
    request.app.state.fake.scripts[model] = script
    return JSONResponse({"model": model, "queued": len(steps)})


async def control_require_key(request: Request) -> Response:
    request.app.state.fake.required_key = (await request.json()).get("key")
    return JSONResponse({"ok": True})


async def control_hits(request: Request) -> Response:
    return JSONResponse(dict(request.app.state.fake.hits))


async def control_requests(request: Request) -> Response:
    model = request.query_params.get("model")
    records = request.app.state.fake.records
    return JSONResponse([r for r in records if model is None or r["model"] == model])


async def control_reset(request: Request) -> Response:
    request.app.state.fake = FakeState()
    return JSONResponse({"ok": True})


def create_app() -> Starlette:
    """Build a fake upstream with fresh in-memory state."""
    app = Starlette(
        routes=[
            Route("/v1/chat/completions", chat, methods=["POST"]),
            Route("/models/chat/completions", chat, methods=["POST"]),
            Route("/openai/deployments/{deployment}/chat/completions", chat, methods=["POST"]),
            Route("/v1/models", list_models, methods=["GET"]),
            Route("/__control/script", control_script, methods=["POST"]),
            Route("/__control/require_key", control_require_key, methods=["POST"]),
            Route("/__control/hits", control_hits, methods=["GET"]),
            Route("/__control/requests", control_requests, methods=["GET"]),
            Route("/__control/reset", control_reset, methods=["POST"]),
        ]
    )
    app.state.fake = FakeState()
    return app


app = create_app()


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args()
    # A short graceful timeout so a SIGTERM does not wait on requests stuck in "hang".
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        timeout_graceful_shutdown=1,
    )


if __name__ == "__main__":
    main()
