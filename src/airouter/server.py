"""The ASGI entry point uvicorn imports (`airouter.server:create_app`, a factory).

Settings come from the environment, so every uvicorn worker builds the same app.
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from airouter.logs import configure_logging
from airouter.router.app import create_router_app
from airouter.settings import load_settings

ROLE_ENV = "AIROUTER_ROLE"


def create_app() -> FastAPI:
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    role = os.environ.get(ROLE_ENV, "all")
    if role in ("all", "router"):
        return create_router_app(settings)
    raise SystemExit(f"{ROLE_ENV}={role!r}: the gateway role is not built yet")
