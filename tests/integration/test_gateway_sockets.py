"""The gateway and the router as separate processes, the fake upstream behind both paths."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes.control import FakeUpstream
from tests.gateway.agents.samples import VALID
from tests.integration.router_proc import (
    ROUTER_KEY,
    RouterProcess,
    routing_config,
    run_router,
)

pytestmark = pytest.mark.integration
CLIENT_KEY = "gw-client-key-1"
ADMIN_KEY = "gw-admin-key-1"
FOUNDRY_MODELS = ("oa-model", "foundry-model", "aoai-dep")


def config(upstream: str) -> dict[str, Any]:
    # Generous timeouts: these tests are about routing, not speed, on a shared machine.
    c = routing_config(
        upstream,
        {"connect": 3, "first_byte": 10, "total": 10},
        retry={"max_retries": 0},
        breaker={"minimum_calls": 100_000, "consecutive_failures": None},
    )
    c["gateway"] = {
        "foundry": {
            "deadline": 15,
            "retry": {"max_retries": 0},
            "breaker": {"minimum_calls": 100_000, "consecutive_failures": None},
        },
        "legacy": {"deadline": 15, "retry": {"max_retries": 0}},
    }
    return c


@pytest.fixture(scope="module")
def router(
    fake_upstream_session: FakeUpstream, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RouterProcess]:
    with run_router(tmp_path_factory.mktemp("r"), config(fake_upstream_session.url)) as proc:
        yield proc


def gateway_env(router: RouterProcess, tmp: Path, **extra: str) -> dict[str, str]:
    return {
        "AI_ROUTER_URL": router.url,
        "AIROUTER_API_KEYS": CLIENT_KEY,
        "AIROUTER_ADMIN_KEY": ADMIN_KEY,
        "AI_PROVIDER": "canary",
        "AI_CANARY_PERCENTAGE": "50",
        "AIROUTER_STATE_URL": f"sqlite:///{tmp}/state.db",
        **extra,
    }


@pytest.fixture(scope="module")
def gateway(
    router: RouterProcess,
    fake_upstream_session: FakeUpstream,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RouterProcess]:
    tmp = tmp_path_factory.mktemp("gw")
    with run_router(
        tmp, config(fake_upstream_session.url), gateway_env(router, tmp), role="gateway"
    ) as proc:
        yield proc


def ask(gw: RouterProcess, path: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(
        f"{gw.url}/api/ai/{path}", json=body, timeout=20, headers={"X-API-Key": CLIENT_KEY}
    )


async def providers_for(gw: RouterProcess, creators: list[str]) -> dict[str, str]:
    limit = asyncio.Semaphore(16)
    async with httpx.AsyncClient(
        base_url=gw.url, timeout=30, headers={"X-API-Key": CLIENT_KEY}
    ) as client:

        async def one(creator: str) -> tuple[str, str]:
            async with limit:
                r = await client.post(
                    "/api/ai/chat", json={**VALID["messaging"], "creator_id": creator}
                )
            assert r.status_code == 200, r.text
            return creator, r.json()["metadata"]["provider"]

        return dict(await asyncio.gather(*(one(c) for c in creators)))


def test_at_50_percent_creators_split_evenly_and_stick(
    gateway: RouterProcess, fake_upstream: FakeUpstream
) -> None:
    creators = [f"creator-{i}" for i in range(2000)]
    first = asyncio.run(providers_for(gateway, creators))
    share = sum(p == "foundry" for p in first.values()) / len(first)
    assert abs(share - 0.5) <= 0.03
    again = asyncio.run(providers_for(gateway, creators[:300]))
    assert all(again[c] == first[c] for c in again)
    assert sum(fake_upstream.hits(m) for m in FOUNDRY_MODELS) > 0
    assert fake_upstream.hits("legacy-model") > 0


def test_a_failing_foundry_upstream_is_hidden_by_the_legacy_fallback(
    gateway: RouterProcess, fake_upstream: FakeUpstream
) -> None:
    for model in FOUNDRY_MODELS:
        fake_upstream.script(model, {"status": 500}, repeat=True)
    for i in range(40):
        response = ask(gateway, "chat", {**VALID["messaging"], "creator_id": f"c-{i}"})
        assert response.status_code == 200, response.text
        meta = response.json()["metadata"]
        if meta["fallback_used"]:
            assert meta["provider"] == "legacy"
            assert meta["fallback_reason"] == "upstream_error"
    assert fake_upstream.hits("oa-model") > 0  # the foundry path was really tried


def test_the_router_key_is_sent_and_required(
    gateway: RouterProcess, router: RouterProcess, fake_upstream: FakeUpstream
) -> None:
    creators = [f"k-{i}" for i in range(40)]
    results = asyncio.run(providers_for(gateway, creators))
    assert "foundry" in results.values()  # the router (AIROUTER_ENV=production) let it in
    unauthenticated = httpx.post(
        f"{router.url}/v1/chat/completions",
        json={"model": "auto", "messages": [{"role": "user", "content": "hi"}]},
    )
    assert unauthenticated.status_code == 401
    sent = fake_upstream.requests("legacy-model") + fake_upstream.requests("oa-model")
    assert all(ROUTER_KEY not in str(r["headers"]) for r in sent)  # never leaked upstream


def test_compliance_never_passes_on_an_unreadable_answer(
    gateway: RouterProcess, fake_upstream: FakeUpstream
) -> None:
    fake_upstream.script("*", {"content": "Looks compliant to me!"}, repeat=True)
    response = ask(gateway, "compliance", VALID["compliance"])
    assert response.status_code == 502
    error = response.json()["error"]
    assert error["code"] == "providers_failed"
    assert "agent_output_invalid" in error["message"]
    assert "is_compliant" not in response.text


def test_with_fallback_disabled_a_foundry_failure_is_a_502_with_the_reason(
    router: RouterProcess, fake_upstream: FakeUpstream, tmp_path: Path
) -> None:
    env = gateway_env(router, tmp_path, AI_FALLBACK_ENABLED="false", AI_PROVIDER="foundry")
    with run_router(tmp_path, config(fake_upstream.url), env, role="gateway") as gw:
        for model in FOUNDRY_MODELS:
            fake_upstream.script(model, {"status": 503}, repeat=True)
        response = ask(gw, "chat", VALID["messaging"])
    assert response.status_code == 502
    assert response.json()["error"]["message"] == "foundry failed (upstream_error)"
    assert fake_upstream.hits("legacy-model") == 0
