"""In-process router apps (httpx's ASGITransport) on the embedded default config."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from functools import cache

import httpx
import pytest
from fastapi import FastAPI

from airouter.config import load_routing_config
from airouter.router.app import RouterParts, create_router_app
from airouter.settings import Settings


async def no_sleep(_: float) -> None:
    return None


@cache
def router_app(api_key: str | None = None, max_body_bytes: int = 1024 * 1024) -> FastAPI:
    """One app per settings combination; simulated deployments answer without sleeping."""
    from airouter.providers.simulated import SimulatedProvider

    config = load_routing_config(environ={})
    providers = {
        d.name: SimulatedProvider(d, rng=random.Random(0), sleep=no_sleep)
        for d in config.deployments
    }
    settings = Settings(router_api_key=api_key, max_body_bytes=max_body_bytes)
    return create_router_app(settings, config, RouterParts(providers=providers, environ={}))


def client_for(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://router")


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(router_app()) as c:
        yield c
