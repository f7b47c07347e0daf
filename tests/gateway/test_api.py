"""The gateway's HTTP surface, in process (the socket-level tests live in tests/integration)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from tests.gateway.agents.samples import VALID
from tests.gateway.conftest import ADMIN_KEY, CLIENT_KEY, gateway_app

PATHS = {
    "chat": "messaging",
    "optimize-sales": "sales",
    "analytics": "analytics",
    "compliance": "compliance",
    "fan_message": "messaging",
    "moderation": "compliance",
}


@pytest.mark.parametrize(("path", "agent"), sorted(PATHS.items()))
async def test_each_feature_answers_with_a_valid_result_and_full_metadata(
    gateway: httpx.AsyncClient, path: str, agent: str
) -> None:
    response = await gateway.post(f"/api/ai/{path}", json=VALID[agent])
    assert response.status_code == 200, response.text
    body = response.json()
    meta = body["metadata"]
    assert meta["agent"] == agent
    assert meta["provider"] in ("foundry", "legacy")
    assert meta["correlation_id"] == response.headers["x-correlation-id"]
    assert meta["tokens"]["total"] > 0 and meta["cost_usd"] > 0
    assert isinstance(body["result"], dict) and body["result"]


async def test_the_same_creator_always_gets_the_same_provider(gateway: httpx.AsyncClient) -> None:
    seen = set()
    for _ in range(5):
        response = await gateway.post("/api/ai/chat", json=VALID["messaging"])
        seen.add(response.json()["metadata"]["provider"])
    assert len(seen) == 1


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"creator_id": ""}, "creator_id"),
        ({"message": None}, "message"),
        ({"surprise": 1}, "surprise"),
        ({"plan": "platinum", "client_tier": None}, "unknown plan 'platinum'"),
        ({"client_tier": "gold"}, "client_tier"),
    ],
)
async def test_bad_input_is_a_400_naming_the_field(
    gateway: httpx.AsyncClient, change: dict[str, Any], fragment: str
) -> None:
    response = await gateway.post("/api/ai/chat", json={**VALID["messaging"], **change})
    assert response.status_code == 400
    assert fragment in response.json()["error"]["message"]


async def test_an_unknown_feature_is_a_400_listing_the_known_ones(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.post("/api/ai/horoscope", json={})
    assert response.status_code == 400
    assert "messaging" in response.json()["error"]["message"]


async def test_client_and_admin_keys_guard_their_own_realms(gateway: httpx.AsyncClient) -> None:
    anonymous = await gateway.post(
        "/api/ai/chat", json=VALID["messaging"], headers={"X-API-Key": "nope"}
    )
    client_on_admin = await gateway.get("/api/admin/canary")
    admin_on_admin = await gateway.get("/api/admin/canary", headers={"X-API-Key": ADMIN_KEY})
    assert anonymous.status_code == 401
    assert client_on_admin.status_code == 401
    assert admin_on_admin.status_code == 200
    assert CLIENT_KEY not in anonymous.text


async def test_the_canary_percentage_changes_without_a_restart(gateway: httpx.AsyncClient) -> None:
    admin = {"X-API-Key": ADMIN_KEY}
    status = (await gateway.get("/api/admin/canary", headers=admin)).json()
    assert (status["percentage"], status["mode"]) == (50, "canary")
    rolled = await gateway.post(
        "/api/admin/canary", headers=admin, json={"action": "rollback", "reason": "test"}
    )
    assert rolled.json()["percentage"] == 0
    assert rolled.json()["events"][0]["kind"] == "canary_rollback"
    providers = set()
    for i in range(20):
        body = {**VALID["messaging"], "creator_id": f"creator-{i}"}
        providers.add(
            (await gateway.post("/api/ai/chat", json=body)).json()["metadata"]["provider"]
        )
    assert providers == {"legacy"}
    promoted = await gateway.post(
        "/api/admin/canary", headers=admin, json={"action": "promote", "reason": "looks good"}
    )
    assert promoted.json()["percentage"] == 100


async def test_set_needs_a_percentage(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post(
        "/api/admin/canary", headers={"X-API-Key": ADMIN_KEY}, json={"action": "set", "reason": "x"}
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("plan", "tier"), [("business", "vip"), ("Enterprise", "vip"), ("free", "standard")]
)
async def test_a_plan_maps_to_a_tier_when_no_tier_is_given(
    gateway: httpx.AsyncClient, plan: str, tier: str
) -> None:
    body = {**VALID["messaging"], "client_tier": None, "plan": plan}
    with capture_logs() as logs:
        response = await gateway.post("/api/ai/chat", json=body)
    assert response.status_code == 200
    [event] = [e for e in logs if e["event"] == "request"]
    assert event["tier"] == tier


async def test_ready_shows_the_store_the_paths_breakers_and_the_canary(
    gateway: httpx.AsyncClient,
) -> None:
    body = (await gateway.get("/ready", headers={})).json()
    assert body["status"] == "ready" and body["state_store"] == "ok"
    assert body["gateway_paths"]["foundry"]["state"] == "closed"
    assert body["canary_percentage"] == 50
    assert "llama-3.3-70b" in body["breakers"]


async def test_canary_commands_are_refused_when_the_canary_is_not_in_use() -> None:
    app = gateway_app(provider="foundry")
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client,
    ):
        response = await client.post(
            "/api/admin/canary",
            headers={"X-API-Key": ADMIN_KEY},
            json={"action": "rollback", "reason": "bad canary"},
        )
    assert response.status_code == 409
    assert "AI_PROVIDER=foundry" in response.json()["error"]["message"]


async def test_metrics_need_the_admin_key_not_a_client_key(gateway: httpx.AsyncClient) -> None:
    as_client = await gateway.get("/metrics")
    as_admin = await gateway.get("/metrics", headers={"X-API-Key": ADMIN_KEY})
    assert (as_client.status_code, as_admin.status_code) == (401, 200)
    assert "airouter_http_requests_total" in as_admin.text
