"""The HTTP boundary: bugs become JSON 500s with a correlation id; secrets never get logged."""

from __future__ import annotations

import json

import httpx
import pytest
import structlog
from fastapi import APIRouter, FastAPI, Request
from starlette.responses import Response
from structlog.testing import capture_logs

from airouter.logs import configure_logging, drop_sensitive
from airouter.metrics import Metrics
from airouter.router.app import install_common
from airouter.settings import Settings
from airouter.web.edge import served_directly


def buggy_app() -> FastAPI:
    """One bug behind FastAPI's own routing, one in an endpoint the edge calls directly."""
    app = FastAPI()
    api = APIRouter()

    @api.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret-ish internal detail")

    @api.post("/direct-boom")
    @served_directly()
    async def direct_boom(request: Request) -> Response:
        raise RuntimeError("secret-ish internal detail")

    install_common(app, Settings(), [], Metrics(), [api])
    return app


@pytest.mark.parametrize(("method", "path"), [("GET", "/boom"), ("POST", "/direct-boom")])
async def test_a_bug_is_a_json_500_with_the_correlation_id_and_a_logged_traceback(
    method: str, path: str
) -> None:
    transport = httpx.ASGITransport(app=buggy_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        with capture_logs() as logs:
            response = await client.request(
                method, path, content=b"{}", headers={"X-Correlation-ID": "bug-1"}
            )
    assert response.status_code == 500
    assert response.headers["x-correlation-id"] == "bug-1"
    assert response.json()["error"] == {
        "type": "server_error",
        "code": "internal_error",
        "message": "internal error; see the server log",
        "correlation_id": "bug-1",
    }
    assert "secret-ish" not in response.text and "Traceback" not in response.text
    [bug] = [e for e in logs if e["event"] == "unhandled_error"]
    assert isinstance(bug["exc_info"], RuntimeError)
    [request] = [e for e in logs if e["event"] == "request"]
    assert request["status"] == 500


def test_drop_sensitive_removes_fields_that_could_hold_keys_or_prompts() -> None:
    event = {
        "event": "x",
        "api_key": "k",
        "Authorization": "Bearer k",
        "prompt": "p",
        "messages": [],
        "content": "c",
        "deployment": "d",
    }
    assert drop_sensitive(None, "info", event) == {"event": "x", "deployment": "d"}


def test_the_configured_pipeline_filters_before_it_renders() -> None:
    configure_logging("info", "json")
    processors = structlog.get_config()["processors"]
    assert drop_sensitive in processors
    assert processors.index(drop_sensitive) < len(processors) - 1  # before the renderer


async def test_events_logged_while_serving_a_request_name_its_correlation_id(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("info", "json")  # the production pipeline, writing to captured stdout
    structlog.configure(cache_logger_on_first_use=False)  # no logger keeps that stream
    app = FastAPI()
    api = APIRouter()
    log = structlog.get_logger("test")

    @api.post("/work")
    @served_directly()
    async def work(request: Request) -> Response:
        log.info("inside", detail="d")
        return Response(b"{}", media_type="application/json")

    install_common(app, Settings(), [], Metrics(), [api])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        await client.post("/work", content=b"{}", headers={"X-Correlation-ID": "trace-7"})
    log.info("outside")
    events = {e["event"]: e for e in map(json.loads, capsys.readouterr().out.splitlines())}
    assert events["inside"]["correlation_id"] == "trace-7"
    assert events["request"]["correlation_id"] == "trace-7"
    assert "correlation_id" not in events["outside"]
