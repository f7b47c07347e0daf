"""The router's HTTP contract, in process."""

from __future__ import annotations

import json
import random
import re

import httpx
import pytest

from airouter.config import load_routing_config
from airouter.providers.base import ChatRequest, ChatResult
from airouter.providers.simulated import SimulatedProvider
from airouter.router.app import RouterParts, create_router_app
from airouter.settings import Settings
from tests.router.conftest import client_for, no_sleep, router_app


async def test_route_answers_with_the_seed_contract(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/route",
        json={"prompt": "Salut ! Tu peux m'aider ?", "type_hint": "chat", "language_hint": "fr"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["deployment"] == "mistral-large"
    assert body["model"] == "Mistral-Large-2411"
    assert body["region"] == "francecentral"
    routing = body["routing"]
    assert routing["type_hint_applied"] and routing["language_hint_applied"]
    assert routing["rule"] == "french" and "type=chat (hint)" in routing["reason"]
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0
    assert body["cost_usd"] > 0
    assert body["correlation_id"] == response.headers["x-correlation-id"]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"prompt": ""}, "prompt"),
        ({"prompt": "   "}, "must not be blank"),
        ({"prompt": "hi", "type_hint": "poetry"}, "type_hint"),
        ({"prompt": "hi", "language_hint": "french"}, "ISO 639-1"),
        ({"prompt": "hi", "client_tier": "gold"}, "client_tier"),
        ({"prompt": "hi", "temperature": 5}, "temperature"),
        ({"prompt": "hi", "surprise": 1}, "surprise"),
        ({}, "prompt"),
    ],
)
async def test_invalid_input_is_400_with_the_one_error_shape(
    client: httpx.AsyncClient, body: dict[str, object], fragment: str
) -> None:
    response = await client.post("/route", json=body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert set(error) == {"type", "code", "message", "correlation_id"}
    assert error["code"] == "invalid_request"
    assert fragment in error["message"]
    assert "Traceback" not in response.text


async def test_non_json_body_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/route", content=b"{oops", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


async def test_404_and_405_use_the_error_shape(client: httpx.AsyncClient) -> None:
    missing = await client.get("/v2/whatever")
    wrong = await client.get("/route")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "not_found")
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (405, "method_not_allowed")


@pytest.mark.parametrize("declared", [True, False])
async def test_bodies_over_the_limit_are_413(declared: bool) -> None:
    async with client_for(router_app(max_body_bytes=2048)) as client:
        payload = b'{"prompt": "' + b"a" * 4096 + b'"}'
        if declared:
            response = await client.post(
                "/route", content=payload, headers={"content-type": "application/json"}
            )
        else:

            async def chunks():  # type: ignore[no-untyped-def]
                for i in range(0, len(payload), 512):
                    yield payload[i : i + 512]

            response = await client.post(
                "/route", content=chunks(), headers={"content-type": "application/json"}
            )
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "payload_too_large"
        small = await client.post("/route", json={"prompt": "short"})
        assert small.status_code == 200


async def test_chat_completions_auto_routes_and_a_name_pins(client: httpx.AsyncClient) -> None:
    messages = [{"role": "user", "content": "Write a slogan for my new photo set"}]
    auto = await client.post(
        "/v1/chat/completions",
        json={"model": "auto", "messages": messages, "type_hint": "creative", "client_tier": "vip"},
    )
    pinned = await client.post(
        "/v1/chat/completions", json={"model": "deepseek-r1", "messages": messages}
    )
    assert auto.status_code == pinned.status_code == 200
    assert auto.json()["model"] == "llama-3.3-70b"
    assert auto.json()["object"] == "chat.completion"
    assert pinned.json()["airouter"]["deployment"] == "deepseek-r1"


async def test_chat_completions_rejects_unknown_models_and_empty_messages(
    client: httpx.AsyncClient,
) -> None:
    ghost = await client.post(
        "/v1/chat/completions",
        json={"model": "ghost", "messages": [{"role": "user", "content": "hi"}]},
    )
    empty = await client.post("/v1/chat/completions", json={"model": "auto", "messages": []})
    system_only = await client.post(
        "/v1/chat/completions",
        json={"model": "auto", "messages": [{"role": "system", "content": "x"}]},
    )
    assert [r.status_code for r in (ghost, empty, system_only)] == [400, 400, 400]
    assert "ghost" in ghost.json()["error"]["message"]


async def test_models_lists_auto_and_every_deployment(client: httpx.AsyncClient) -> None:
    ids = [m["id"] for m in (await client.get("/v1/models")).json()["data"]]
    assert ids[0] == "auto"
    assert {"deepseek-r1", "mistral-large", "llama-3.3-70b"} <= set(ids)


async def test_ready_lists_deployments_and_their_breakers(client: httpx.AsyncClient) -> None:
    body = (await client.get("/ready")).json()
    assert body["status"] == "ready"
    assert body["breakers"]["deepseek-r1"]["state"] == "closed"


async def test_metrics_count_requests_by_route_template_and_tokens_by_deployment(
    client: httpx.AsyncClient,
) -> None:
    await client.post("/route", json={"prompt": "Bonjour", "language_hint": "fr"})
    await client.get("/no/such/path/12345")
    text = (await client.get("/metrics")).text
    assert 'airouter_http_requests_total{route="/route",status="200"}' in text
    assert 'route="unmatched",status="404"' in text
    assert "/no/such/path" not in text  # raw paths never become labels
    assert 'airouter_tokens_total{deployment="mistral-large",direction="out"}' in text
    assert 'airouter_upstream_attempts_total{outcome="ok",target="mistral-large"}' in text
    assert 'airouter_breaker_state{target="deepseek-r1"} 0.0' in text


async def test_classifier_llm_in_the_config_makes_the_classifier_model_decide() -> None:
    config = load_routing_config(environ={}).model_copy(update={"classifier": "llm"})
    providers = {
        d.name: SimulatedProvider(d, rng=random.Random(0), sleep=no_sleep)
        for d in config.deployments
    }
    app = create_router_app(Settings(), config, RouterParts(providers=providers, environ={}))
    async with client_for(app) as client:
        body = (await client.post("/route", json={"prompt": "Write me a poem"})).json()
    assert "llm classifier phi-4-mini" in body["routing"]["reason"]


@pytest.mark.parametrize(
    "body", [b"{oops", b"[1, 2]", b'{"model": "auto", "messages": []}', b'"text"']
)
async def test_chat_completions_rejects_bad_bodies_with_400(
    client: httpx.AsyncClient, body: bytes
) -> None:
    response = await client.post(
        "/v1/chat/completions", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


async def test_openapi_documents_the_bodies_of_directly_served_endpoints(
    client: httpx.AsyncClient,
) -> None:
    doc = (await client.get("/openapi.json")).json()
    schemas = doc["components"]["schemas"]
    documented = (
        ("/v1/chat/completions", "ChatCompletionBody", "messages"),
        ("/route", "RouteBody", "prompt"),
    )
    for path, model, field in documented:
        body = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]
        assert body["schema"] == {"$ref": f"#/components/schemas/{model}"}
        assert field in schemas[model]["required"]
    refs = re.findall(r'"\$ref":\s*"#/components/schemas/([^"]+)"', json.dumps(doc))
    assert refs and set(refs) <= set(schemas)  # every reference resolves


async def test_explicit_nulls_in_messages_are_not_forwarded() -> None:
    seen: list[ChatRequest] = []

    class Recording(SimulatedProvider):
        async def complete(self, request: ChatRequest) -> ChatResult:
            seen.append(request)
            return await super().complete(request)

    config = load_routing_config(environ={})
    providers = {
        d.name: Recording(d, rng=random.Random(0), sleep=no_sleep) for d in config.deployments
    }
    app = create_router_app(Settings(), config, RouterParts(providers=providers, environ={}))
    messages = [
        {"role": "system", "content": "Be brief.", "name": None},
        {"role": "user", "content": "hi", "name": "fan-7"},
    ]
    async with client_for(app) as client:
        response = await client.post(
            "/v1/chat/completions", json={"model": "deepseek-r1", "messages": messages}
        )
    assert response.status_code == 200
    assert list(seen[0].messages) == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "hi", "name": "fan-7"},
    ]
