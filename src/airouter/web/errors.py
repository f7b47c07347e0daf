"""The one JSON error shape, `{"error": {type, code, message, correlation_id}}`, everywhere.

Framework errors (validation 422, 404, 405) and unexpected exceptions are
translated here once; no stack trace or upstream text ever reaches a client.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from airouter.errors import (
    AirouterError,
    PayloadTooLarge,
    Unauthorized,
)
from airouter.web.context import correlation_id_of

log = structlog.get_logger("airouter.web")

_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    405: "invalid_request_error",
    413: "invalid_request_error",
    429: "rate_limit_error",
    500: "server_error",
    502: "upstream_error",
    503: "service_unavailable",
    504: "upstream_timeout",
}
_HTTP_CODES = {
    400: "invalid_request",  # e.g. FastAPI's "There was an error parsing the body"
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
}


def error_body(
    status: int,
    code: str,
    message: str,
    correlation_id: str,
    details: Mapping[str, Any] | None = None,
) -> bytes:
    error = {
        "type": _TYPES.get(status, "invalid_request_error" if status < 500 else "server_error"),
        "code": code,
        "message": message,
        "correlation_id": correlation_id,
        **(details or {}),
    }
    return orjson.dumps({"error": error})


def error_response(
    status: int,
    code: str,
    message: str,
    correlation_id: str,
    headers: Mapping[str, str] | None = None,
    details: Mapping[str, Any] | None = None,
) -> Response:
    return Response(
        error_body(status, code, message, correlation_id, details),
        status_code=status,
        media_type="application/json",
        headers=dict(headers or {}),
    )


def airouter_error_response(exc: AirouterError, correlation_id: str) -> Response:
    """The client's answer to an error airouter raised on purpose."""
    headers: dict[str, str] = {}
    if exc.retry_after:
        headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = f'Bearer realm="{exc.realm}"'
    if isinstance(exc, PayloadTooLarge):  # the rest of the body was never read
        headers["Connection"] = "close"
    return error_response(
        exc.http_status, exc.code, exc.message, correlation_id, headers, exc.details()
    )


async def on_airouter_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, AirouterError):  # registered for AirouterError only
        return await on_unexpected(request, exc)
    return airouter_error_response(exc, correlation_id_of(request.scope))


def validation_message(errors: Sequence[Any]) -> str:
    """Pydantic errors → one readable line naming each bad field (at most ten)."""
    problems = []
    for err in errors[:10]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        problems.append(f"{where}: {err.get('msg', 'invalid')}")
    return "invalid request: " + "; ".join(problems)


async def on_validation_error(request: Request, exc: Exception) -> Response:
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    return error_response(
        400, "invalid_request", validation_message(errors), correlation_id_of(request.scope)
    )


async def on_http_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, StarletteHTTPException):  # registered for HTTPException only
        return await on_unexpected(request, exc)
    status = exc.status_code
    path = request.url.path[:200]
    code = _HTTP_CODES.get(status, "http_error")
    message = {
        404: f"no such endpoint: {path}",
        405: f"method {request.method} not allowed on {path}",
    }.get(status, str(exc.detail))
    return error_response(
        status, code, message, correlation_id_of(request.scope), dict(exc.headers or {})
    )


async def on_unexpected(request: Request, exc: Exception) -> Response:
    # The traceback goes to the server log (for operators), never to the client.
    log.error("unhandled_error", error_type=type(exc).__name__, exc_info=exc)
    return error_response(
        500,
        "internal_error",
        "internal error; see the server log",
        correlation_id_of(request.scope),
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AirouterError, on_airouter_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)
