"""The edge: the one layer in front of every app, and its direct door to hot endpoints."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send
from structlog.testing import capture_logs

from airouter.errors import ConfigError, UpstreamRateLimited
from airouter.metrics import Metrics
from airouter.web.auth import Realm
from airouter.web.context import correlation_id_from
from airouter.web.edge import Edge, check_no_shadowing, direct_routes, served_directly


class Inner:
    """The app behind the edge (FastAPI in production): records what reached it."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.paths.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"inner"})


@served_directly()
async def echo(request: Request) -> Response:
    body = await request.body()
    return Response(b"direct:" + body + request.path_params.get("name", "").encode())


@served_directly()
async def rate_limited(request: Request) -> Response:
    raise UpstreamRateLimited("llama answered HTTP 429", deployment="llama", retry_after=2.5)


async def not_direct(request: Request) -> Response:
    return Response(b"never called by the edge")


ROUTES = [
    Route("/hot", echo, methods=["POST"]),
    Route("/hot/{name}", echo, methods=["POST"]),
    Route("/limited", rate_limited, methods=["POST"]),
    Route("/plain", not_direct, methods=["POST"]),
]


def edge_app(inner: Inner, **options: Any) -> Edge:
    settings: dict[str, Any] = {
        "direct": direct_routes(ROUTES),
        "realms": [],
        "open_paths": frozenset(),
        "max_body_bytes": 1024,
        "metrics": Metrics(),
        **options,
    }
    return Edge(inner, **settings)


def client_of(app: Edge) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://e")


def edge(inner: Inner, **options: Any) -> httpx.AsyncClient:
    return client_of(edge_app(inner, **options))


def test_only_marked_endpoints_are_direct() -> None:
    assert [r.path for r in direct_routes(ROUTES)] == ["/hot", "/hot/{name}", "/limited"]


async def test_marked_endpoints_are_served_without_the_inner_app() -> None:
    inner = Inner()
    async with edge(inner) as client:
        fixed = await client.post("/hot", content=b"a")
        templated = await client.post("/hot/x", content=b"b")
        plain = await client.post("/plain", content=b"c")
        wrong_method = await client.get("/hot")
    assert (fixed.text, templated.text) == ("direct:a", "direct:bx")
    assert plain.text == wrong_method.text == "inner"  # FastAPI answers these (405 for GET)
    assert inner.paths == ["/plain", "/hot"]
    assert fixed.headers["x-correlation-id"]


async def test_errors_of_direct_endpoints_use_the_error_shape_and_headers() -> None:
    async with edge(Inner()) as client:
        response = await client.post("/limited", headers={"X-Correlation-ID": "c-1"})
    assert response.status_code == 429
    assert response.headers["retry-after"] == "3"
    assert response.json()["error"]["code"] == "upstream_rate_limited"
    assert response.json()["error"]["correlation_id"] == "c-1"


async def test_auth_runs_before_the_body_is_read_and_names_the_realm() -> None:
    inner = Inner()
    realms = [Realm("/", (b"k1",), "airouter-router")]
    async with edge(inner, realms=realms, open_paths=frozenset({"/health"})) as client:
        refused = await client.post("/hot", content=b"x" * 4096)
        accepted = await client.post("/hot", content=b"x", headers={"X-API-Key": "k1"})
        bearer = await client.post("/hot", content=b"y", headers={"Authorization": "Bearer k1"})
        open_path = await client.get("/health")
    assert refused.status_code == 401  # not 413: an unauthenticated body is never buffered
    assert refused.headers["www-authenticate"] == 'Bearer realm="airouter-router"'
    assert (accepted.text, bearer.text, open_path.text) == ("direct:x", "direct:y", "inner")


async def test_oversized_bodies_are_413_for_direct_and_inner_paths() -> None:
    inner = Inner()
    async with edge(inner, max_body_bytes=16) as client:
        for path in ("/hot", "/plain"):
            response = await client.post(path, content=b"z" * 17)
            assert response.status_code == 413
            assert response.headers["connection"] == "close"
        fits = await client.post("/hot", content=b"z" * 16)
    assert fits.status_code == 200
    assert inner.paths == []


async def test_one_request_event_per_request_with_the_route_template() -> None:
    metrics = Metrics()
    with capture_logs() as logs:
        async with edge(Inner(), metrics=metrics) as client:
            await client.post("/hot/abc", content=b"1")
            await client.post("/limited")
    events = [e for e in logs if e["event"] == "request"]
    assert [(e["path"], e["status"]) for e in events] == [("/hot/abc", 200), ("/limited", 429)]
    rendered = metrics.render().decode()
    assert 'airouter_http_requests_total{route="/hot/{name}",status="200"} 1.0' in rendered
    assert 'airouter_http_requests_total{route="/limited",status="429"} 1.0' in rendered


async def test_an_unauthenticated_body_is_never_read() -> None:
    """No Content-Length, under the limit: the 401 still comes before any receive()."""
    realms = [Realm("/", (b"k1",), "airouter-router")]
    app = edge_app(Inner(), realms=realms)
    received: list[Message] = []
    sent: list[Message] = []

    async def receive() -> Message:
        message: Message = {"type": "http.request", "body": b"x", "more_body": False}
        received.append(message)
        return message

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/hot", "headers": []}
    await app(scope, receive, send)
    assert sent[0]["status"] == 401
    assert received == []


def test_a_route_a_direct_template_would_hide_is_refused() -> None:
    hidden = Route("/hot/feedback", not_direct, methods=["POST"])
    other_method = Route("/hot/feedback", not_direct, methods=["GET"])
    check_no_shadowing([*ROUTES, other_method])  # fine: no shared method
    with pytest.raises(ConfigError, match="/hot/feedback would be served by"):
        check_no_shadowing([*ROUTES, hidden])


class Gate:
    """A direct endpoint that holds each request until `release` is set."""

    def __init__(self) -> None:
        self.inside = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, request: Request) -> Response:
        self.inside.set()
        await self.release.wait()
        return Response(b"done")


@served_directly()
async def broken(request: Request) -> Response:
    raise RuntimeError("a bug")


async def test_past_the_in_flight_limit_hot_endpoints_get_503_at_once_and_the_rest_pass() -> None:
    gate = Gate()
    routes = [Route("/slow", served_directly()(gate), methods=["POST"]), *ROUTES]
    metrics = Metrics()
    app = edge_app(
        Inner(),
        direct=direct_routes(routes),
        open_paths=frozenset({"/health"}),
        max_in_flight=1,
        metrics=metrics,
    )
    async with client_of(app) as client:
        first = asyncio.create_task(client.post("/slow", content=b"a"))
        await asyncio.wait_for(gate.inside.wait(), 5)
        refused = await client.post("/hot", content=b"b", headers={"X-Correlation-ID": "c-9"})
        probe = await client.get("/health")  # not a direct endpoint: never refused
        gate.release.set()
        served = await asyncio.wait_for(first, 5)
        after = await client.post("/hot", content=b"c")
    assert (served.status_code, served.text) == (200, "done")
    assert refused.status_code == 503
    assert refused.json()["error"]["code"] == "overloaded"
    assert refused.json()["error"]["correlation_id"] == "c-9"
    assert refused.headers["retry-after"] == "1"
    assert (probe.status_code, probe.text) == (200, "inner")
    assert (after.status_code, after.text) == (200, "direct:c")
    assert app.in_flight == 0
    scrape = metrics.render().decode()
    assert "airouter_shed_requests_total 1.0" in scrape
    assert "airouter_http_requests_in_flight 0.0" in scrape


async def test_requests_that_fail_leave_the_in_flight_count() -> None:
    routes = [Route("/broken", broken, methods=["POST"]), *ROUTES]
    app = edge_app(Inner(), direct=direct_routes(routes), max_body_bytes=4, max_in_flight=1)
    async with client_of(app) as client:
        statuses = [
            (await client.post("/broken", content=b"x")).status_code,  # a bug: 500
            (await client.post("/limited", content=b"x")).status_code,  # an error: 429
            (await client.post("/hot", content=b"too long")).status_code,  # 413
            (await client.post("/hot", content=b"ok")).status_code,
        ]
    assert statuses == [500, 429, 413, 200]
    assert app.in_flight == 0


async def test_slow_uploads_without_a_key_hold_no_slot() -> None:
    # 3 uploads to an open path that never finish, and one to a keyed path: none of
    # them may use up the one slot the model endpoints have.
    app = edge_app(
        Inner(),
        realms=[Realm("/", (b"k",), "test")],
        open_paths=frozenset({"/health"}),
        max_body_bytes=1_000_000,
        max_in_flight=1,
    )
    stalled = asyncio.Event()  # never set: a body that never arrives

    async def trickle() -> Message:
        await stalled.wait()
        return {"type": "http.request", "body": b"", "more_body": False}

    async def ignore(message: Message) -> None:
        return None

    def post(path: str, **headers: str) -> Scope:
        raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        return {"type": "http", "method": "POST", "path": path, "headers": raw}

    slow = [asyncio.create_task(app(post("/health"), trickle, ignore)) for _ in range(3)]
    slow.append(asyncio.create_task(app(post("/plain"), trickle, ignore)))
    await asyncio.sleep(0.01)
    async with client_of(app) as client:
        keyed = await client.post("/hot", content=b"a", headers={"X-API-Key": "k"})
        keyless = await client.post("/hot", content=b"a")
    for task in slow:
        task.cancel()
    assert (keyed.status_code, keyed.text) == (200, "direct:a")
    assert keyless.status_code == 401
    assert app.in_flight == 0


@pytest.mark.parametrize("header", [None, "", "has space", "x" * 129, "new\nline"])
def test_a_missing_or_unsafe_correlation_id_is_replaced_by_a_fresh_one(header: str | None) -> None:
    fresh = {correlation_id_from(header) for _ in range(1000)}
    assert len(fresh) == 1000  # never the same twice
    assert all(re.fullmatch(r"[0-9a-f]{32}", cid) for cid in fresh)


def test_a_well_formed_correlation_id_is_kept() -> None:
    assert correlation_id_from("req-42:a.b_C") == "req-42:a.b_C"
