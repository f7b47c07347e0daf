"""A combined router + gateway app in process: simulated deployments, memory state."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import httpx
import pytest

from airouter.config import load_routing_config
from airouter.gateway.app import GatewayParts, create_gateway_app
from airouter.providers.simulated import SimulatedProvider
from airouter.router.app import RouterParts
from airouter.settings import Settings
from airouter.state import MemoryStore

CLIENT_KEY = "client-key-abc"
ADMIN_KEY = "admin-key-xyz"


async def no_sleep(_: float) -> None:
    return None


def gateway_app(**settings: object):  # type: ignore[no-untyped-def]
    config = load_routing_config(environ={})
    providers = {
        d.name: SimulatedProvider(d, rng=random.Random(0), sleep=no_sleep)
        for d in config.deployments
    }
    parts = GatewayParts(
        router=RouterParts(providers=providers, environ={}),
        store=MemoryStore(),
        legacy_provider=providers["legacy-gpt-4o"],
        sleep=no_sleep,
        environ={},
    )
    s = Settings(
        client_api_keys=(CLIENT_KEY,),
        admin_api_key=ADMIN_KEY,  # type: ignore[arg-type]
        **settings,
    )
    return create_gateway_app(s, config, parts, with_router=True)


@pytest.fixture
async def gateway() -> AsyncIterator[httpx.AsyncClient]:
    app = gateway_app(provider="canary", canary_percentage=50)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://gw",
            headers={"X-API-Key": CLIENT_KEY},
        ) as client,
    ):
        yield client
