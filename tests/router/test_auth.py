"""Seed property 10, authentication enforcement, over the HTTP surface."""

from __future__ import annotations

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.router.conftest import client_for, router_app

KEY = "router-key-0123456789"
PATHS = ("/route", "/v1/chat/completions", "/v1/models", "/metrics", "/no-such-path")
keys = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=40)


def headers_for(key: str | None, style: str) -> dict[str, str]:
    if key is None:
        return {}
    return {"X-API-Key": key} if style == "x-api-key" else {"Authorization": f"Bearer {key}"}


async def call(api_key: str | None, path: str, headers: dict[str, str]) -> httpx.Response:
    async with client_for(router_app(api_key)) as client:
        if path in ("/route", "/v1/chat/completions"):
            return await client.post(path, json={}, headers=headers)
        return await client.get(path, headers=headers)


@settings(max_examples=60, deadline=None)
@given(
    presented=st.one_of(st.none(), keys),
    style=st.sampled_from(["x-api-key", "bearer"]),
    path=st.sampled_from(PATHS),
)
async def test_a_wrong_or_missing_key_is_401_with_the_json_error(
    presented: str | None, style: str, path: str
) -> None:
    if presented == KEY:
        presented = KEY + "x"
    response = await call(KEY, path, headers_for(presented, style))
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    error = response.json()["error"]
    assert error["code"] == "unauthorized"
    assert error["correlation_id"] == response.headers["x-correlation-id"]
    assert KEY not in response.text


@settings(max_examples=40, deadline=None)
@given(style=st.sampled_from(["x-api-key", "bearer"]), path=st.sampled_from(PATHS))
async def test_the_valid_key_is_never_401(style: str, path: str) -> None:
    response = await call(KEY, path, headers_for(KEY, style))
    assert response.status_code != 401


@settings(max_examples=40, deadline=None)
@given(
    presented=st.one_of(st.none(), keys),
    style=st.sampled_from(["x-api-key", "bearer"]),
    path=st.sampled_from(PATHS),
)
async def test_with_no_key_configured_nothing_is_401(
    presented: str | None, style: str, path: str
) -> None:
    response = await call(None, path, headers_for(presented, style))
    assert response.status_code != 401


async def test_health_and_ready_stay_open_when_a_key_is_set() -> None:
    for path in ("/health", "/ready"):
        response = await call(KEY, path, {})
        assert response.status_code == 200, path
