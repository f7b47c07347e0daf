"""Fixtures for the upstream clients' tests; the servers live in tests/support/http_server.py."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from airouter.providers.http1 import Http1Upstream
from airouter.providers.transport import AiohttpUpstream
from tests.support.http_server import PROXY_VARIABLES, Server, serve

CLIENTS = {"aiohttp": AiohttpUpstream, "http1": Http1Upstream}


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    async with serve() as running:
        yield running


@pytest.fixture
def no_proxy_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """This machine's proxy settings must not matter here."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture(params=list(CLIENTS))
async def upstream(
    request: pytest.FixtureRequest, no_proxy_settings: None
) -> AsyncIterator[AiohttpUpstream | Http1Upstream]:
    """Each client the seam has: both must keep the Upstream contract."""
    client = CLIENTS[request.param]()
    yield client
    await client.aclose()
