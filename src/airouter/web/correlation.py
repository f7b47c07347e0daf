"""Correlation ids and the one request log event, as a pure ASGI middleware.

Each HTTP request gets a correlation id (the caller's `X-Correlation-ID` when it
is well-formed, a new one otherwise), bound into structlog's context, returned
as a header, and reported in exactly one `request` log event when the response
finishes -- success or failure, streamed or not.
"""

from __future__ import annotations

import time
from typing import Any

import structlog
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from airouter.metrics import Metrics
from airouter.web.context import CID_KEY, FACTS_KEY, correlation_id_from, header_of
from airouter.web.errors import error_body

log = structlog.get_logger("airouter.request")

# Always present in the request event, null when the request never reached a model.
LOG_FIELDS = ("model", "deployment", "region", "tokens_in", "tokens_out", "cost_usd", "tier")


class CorrelationMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics | None = None) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cid = correlation_id_from(header_of(scope, b"x-correlation-id"))
        scope[CID_KEY] = cid
        facts: dict[str, Any] = {}
        scope[FACTS_KEY] = facts
        started = time.perf_counter()
        status = 500
        logged = False
        responded = False

        def emit() -> None:
            nonlocal logged
            if not logged:
                logged = True
                seconds = time.perf_counter() - started
                _log_request(scope, cid, status, seconds, facts)
                if self.metrics is not None:
                    self.metrics.request(route_of(scope), status, seconds, facts)

        async def send_wrapper(message: Message) -> None:
            nonlocal status, responded
            if message["type"] == "http.response.start":
                responded = True
                status = message["status"]
                MutableHeaders(scope=message).append("X-Correlation-ID", cid)
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                emit()

        with structlog.contextvars.bound_contextvars(correlation_id=cid):
            try:
                await self.app(scope, receive, send_wrapper)
            except Exception as exc:
                # The boundary for bugs: the traceback goes to the log (with the
                # correlation id), the client gets the JSON error, never the trace.
                log.error("unhandled_error", error_type=type(exc).__name__, exc_info=exc)
                if responded:
                    raise
                body = error_body(500, "internal_error", "internal error; see the server log", cid)
                await send_wrapper(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send_wrapper({"type": "http.response.body", "body": body})
            finally:
                emit()


def route_of(scope: Scope) -> str:
    """The matched route's template (bounded label values), or "unmatched"."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


def _log_request(
    scope: Scope, cid: str, status: int, seconds: float, facts: dict[str, Any]
) -> None:
    fields = {name: facts.get(name) for name in LOG_FIELDS}
    extra = {k: v for k, v in facts.items() if k not in LOG_FIELDS}
    log.info(
        "request",
        correlation_id=cid,
        method=scope.get("method"),
        path=scope.get("path"),
        status=status,
        latency_ms=round(seconds * 1000, 2),
        **fields,
        **extra,
    )
