"""The one ASGI layer in front of every airouter app, and the direct door to hot endpoints.

Per request, in this order: a correlation id (the caller's `X-Correlation-ID` when
it is well-formed, else a new one), named by every event logged meanwhile and
returned as a header; for the hot endpoints below, the in-flight limit
(`AIROUTER_MAX_IN_FLIGHT`: past it a 503 "overloaded" with `Retry-After`, before
any other work); the API key of the path's realm; the body read whole, up to the
size limit (413 past it, declared or not); the endpoint; then exactly one `request`
log event and the Prometheus record, however the request ended -- success,
error, a stream the client dropped, or a bug (a JSON 500 with the correlation id;
the traceback only in the log).

Endpoints marked `@served_directly` take only the `Request` and read their own
body; the edge calls them itself instead of passing through FastAPI's middleware
stack, route scan and dependency solver. Measured in-process
(docs/benchmarks.md), that machinery costs ~100 us per request and three separate
middlewares more, against a budget of ~350 us for the router's whole request.
Every other path (docs, /ready, /metrics, admin) goes through FastAPI as usual,
and the direct endpoints stay declared there too: /openapi.json documents them,
and a method they do not take still gets FastAPI's 405.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar

import structlog
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from airouter.errors import (
    AirouterError,
    ConfigError,
    Overloaded,
    PayloadTooLarge,
    Unauthorized,
)
from airouter.logs import CORRELATION_ID
from airouter.metrics import Metrics
from airouter.web.auth import Realm, key_accepted, presented_key
from airouter.web.context import (
    BODY_KEY,
    CID_KEY,
    FACTS_KEY,
    correlation_id_from,
    header_of,
)
from airouter.web.errors import airouter_error_response, error_response

log = structlog.get_logger("airouter.request")

# Always present in the request event, null when the request never reached a model.
LOG_FIELDS = ("model", "deployment", "region", "tokens_in", "tokens_out", "cost_usd", "tier")
_NULL_FIELDS = dict.fromkeys(LOG_FIELDS)
_NO_BODY = frozenset({"GET", "HEAD", "OPTIONS"})

Endpoint = Callable[[Request], Awaitable[Response]]
E = TypeVar("E", bound=Endpoint)
_DIRECT = "airouter_direct"


def served_directly(body: type[BaseModel] | None = None) -> Callable[[E], E]:
    """Mark an endpoint `(request) -> Response` for the edge to call without FastAPI.

    `body` is the model the endpoint validates its JSON body with; /openapi.json
    documents it (FastAPI cannot see a body the endpoint reads itself).
    """

    def mark(endpoint: E) -> E:
        endpoint.__dict__[_DIRECT] = body or True
        return endpoint

    return mark


def direct_routes(routes: Iterable[BaseRoute]) -> tuple[Route, ...]:
    return tuple(r for r in routes if isinstance(r, Route) and _DIRECT in r.endpoint.__dict__)


def check_no_shadowing(routes: Sequence[BaseRoute]) -> None:
    """Refuse a route the edge would hide: it tries direct routes before FastAPI's own,
    so a direct `/api/ai/{request_type}` would take a later `POST /api/ai/feedback`."""
    direct = direct_routes(routes)
    for route in routes:
        if not isinstance(route, Route) or route in direct:
            continue
        for d in direct:
            shared = (route.methods or set()) & (d.methods or set())
            if shared and d.path_regex.match(route.path):
                raise ConfigError(
                    f"{sorted(shared)} {route.path} would be served by the direct "
                    f"endpoint {d.path}; give it another path"
                )


def document_bodies(openapi: dict[str, Any], routes: Iterable[BaseRoute]) -> dict[str, Any]:
    """Add each direct endpoint's body model to an OpenAPI document (in place)."""
    schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
    for route in direct_routes(routes):
        model = route.endpoint.__dict__[_DIRECT]
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            continue
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
        ref = {"$ref": f"#/components/schemas/{model.__name__}"}
        for method in route.methods or ():
            operation = openapi["paths"].get(route.path, {}).get(method.lower())
            if operation is not None:
                operation["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": ref}},
                }
    return openapi


class Edge:
    def __init__(
        self,
        app: ASGIApp,
        *,
        direct: Sequence[Route],
        realms: Sequence[Realm],
        open_paths: frozenset[str],
        max_body_bytes: int,
        max_in_flight: int | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.app = app
        # The routes of `@served_directly` endpoints (direct_routes), fixed paths first.
        self.fixed = {r.path: r for r in direct if "{" not in r.path}
        self.templated = tuple(r for r in direct if "{" in r.path)
        # Longest prefix first, so /api/admin wins over /api.
        self.realms = sorted(realms, key=lambda r: len(r.prefix), reverse=True)
        self.open_paths = open_paths
        self.max_body_bytes = max_body_bytes
        self.max_in_flight = max_in_flight
        # Requests to direct endpoints admitted and not yet answered in full. Nothing else
        # counts: a caller without a key cannot hold a slot (it is refused before its
        # body is read), nor can slow uploads to open paths.
        self.in_flight = 0
        self.metrics = metrics
        # The gauge to keep per request, when workers share metrics; else it reads
        # self.in_flight when scraped.
        self._in_flight_gauge = (
            metrics.count_in_flight(lambda: self.in_flight) if metrics is not None else None
        )

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
        responded = logged = False

        def emit() -> None:
            nonlocal logged
            if not logged:
                logged = True
                seconds = time.perf_counter() - started
                _log_request(scope, cid, status, seconds, facts)
                if self.metrics is not None:
                    self.metrics.request(route_of(scope), status, seconds, facts)

        async def reply(message: Message) -> None:
            nonlocal status, responded
            if message["type"] == "http.response.start":
                responded = True
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", ()),
                    (b"x-correlation-id", cid.encode()),
                ]
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                emit()

        bound = CORRELATION_ID.set(cid)  # every event logged from here on names it
        try:
            await self._handle(scope, receive, reply, cid)
        except Exception as exc:
            # The boundary for bugs: the traceback goes to the log (with the
            # correlation id), the client gets the JSON error, never the trace.
            log.error("unhandled_error", error_type=type(exc).__name__, exc_info=exc)
            if responded:
                raise
            message = "internal error; see the server log"
            await error_response(500, "internal_error", message, cid)(scope, receive, reply)
        finally:
            emit()
            CORRELATION_ID.reset(bound)

    async def _handle(self, scope: Scope, receive: Receive, send: Send, cid: str) -> None:
        route = self._direct_route(scope)  # the path and method are enough
        if route is None:  # probes, docs, admin, /metrics: never refused, never counted
            await self._serve(scope, receive, send, cid, None)
            return
        limit = self.max_in_flight
        if limit is not None and self.in_flight >= limit:
            # Refused at once, before the key or the body: a saturated worker answers
            # 503 in microseconds instead of queueing everyone.
            if self.metrics is not None:
                self.metrics.shed.inc()
            overloaded = Overloaded("too many requests in flight here; retry shortly")
            await airouter_error_response(overloaded, cid)(scope, receive, send)
            return
        self.in_flight += 1
        gauge = self._in_flight_gauge
        if gauge is not None:
            gauge.inc()
        try:
            await self._serve(scope, receive, send, cid, route)
        finally:
            self.in_flight -= 1
            if gauge is not None:
                gauge.dec()

    async def _serve(
        self, scope: Scope, receive: Receive, send: Send, cid: str, route: Route | None
    ) -> None:
        body = None
        try:
            self._authenticate(scope)
            if scope["method"] not in _NO_BODY:
                body = await self._read_body(scope, receive)
                if body is None:  # the client went away
                    return
        except AirouterError as exc:
            await airouter_error_response(exc, cid)(scope, receive, send)
            return
        if body is not None:
            receive = _replay(body, receive)
            scope[BODY_KEY] = body  # read_json takes it from here, without the replay
        if route is None:
            await self.app(scope, receive, send)  # FastAPI, with its own error handlers
            return
        try:
            response = await route.endpoint(Request(scope, receive))
        except AirouterError as exc:
            response = airouter_error_response(exc, cid)
        await response(scope, receive, send)

    def _direct_route(self, scope: Scope) -> Route | None:
        """The direct route for this request (its path parameters put in the scope), if any."""
        fixed = self.fixed.get(scope["path"])
        if fixed is not None:  # the path is the route's: only the method is left to check
            if scope["method"] not in (fixed.methods or ()):
                return None  # FastAPI answers 405
            scope.update(endpoint=fixed.endpoint, path_params={}, route=fixed)
            return fixed
        for route in self.templated:
            match, child = route.matches(scope)
            if match is Match.FULL:
                scope.update(child, route=route)
                return route
        return None

    def _authenticate(self, scope: Scope) -> None:
        path: str = scope["path"]
        if path in self.open_paths:
            return
        realm = next((r for r in self.realms if path.startswith(r.prefix)), None)
        if realm is not None and not key_accepted(presented_key(scope["headers"]), realm.keys):
            raise Unauthorized("missing or invalid API key", realm=realm.name)

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes | None:
        """The whole body (413 past the limit, declared or not); None if the client left."""
        limit = self.max_body_bytes
        declared = header_of(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise PayloadTooLarge(f"request body exceeds {limit} bytes")
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(f"request body exceeds {limit} bytes")
            chunks.append(chunk)
            if not message.get("more_body"):
                return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the app the body already read, then the client's own events."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def route_of(scope: Scope) -> str:
    """The matched route's template (bounded label values), or "unmatched"."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


def _log_request(
    scope: Scope, cid: str, status: int, seconds: float, facts: dict[str, Any]
) -> None:
    log.info(
        "request",
        correlation_id=cid,
        method=scope.get("method"),
        path=scope.get("path"),
        status=status,
        latency_ms=round(seconds * 1000, 2),
        **{**_NULL_FIELDS, **facts},  # LOG_FIELDS always, in their order, then the rest
    )
