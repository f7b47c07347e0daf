"""Seed property 9, logging completeness: one complete request event per request."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from structlog.testing import capture_logs

from airouter.web.edge import LOG_FIELDS
from tests.router.conftest import client_for, router_app

KEY = "log-test-key-42"
REQUIRED = {"correlation_id", "latency_ms", "status", *LOG_FIELDS}
prompts = st.text(min_size=8, max_size=60).filter(lambda s: s.strip() and len(s.strip()) >= 8)

requests = st.one_of(
    st.builds(lambda p: ("POST", "/route", {"prompt": "SECRET-PROMPT " + p}), prompts),
    st.builds(
        lambda p: (
            "POST",
            "/v1/chat/completions",
            {"model": "auto", "messages": [{"role": "user", "content": "SECRET-PROMPT " + p}]},
        ),
        prompts,
    ),
    st.just(("POST", "/route", {"prompt": ""})),
    st.just(("POST", "/route", {"prompt": "x", "type_hint": "poetry"})),
    st.just(("POST", "/v1/chat/completions", {"model": "ghost", "messages": []})),
    st.just(("GET", "/no-such-path", None)),
    st.just(("DELETE", "/route", None)),
)


@settings(max_examples=50, deadline=None)
@given(batch=st.lists(st.tuples(requests, st.booleans(), st.booleans()), min_size=1, max_size=4))
async def test_every_request_logs_every_field_with_its_correlation_id(
    batch: list[tuple[tuple[str, str, Any], bool, bool]],
) -> None:
    app = router_app(KEY)
    seen_ids: list[str] = []
    async with client_for(app) as client:
        for (method, path, body), authed, give_cid in batch:
            headers = {"X-API-Key": KEY} if authed else {}
            if give_cid:
                headers["X-Correlation-ID"] = f"caller-{len(seen_ids)}-{id(batch)}"
            with capture_logs() as logs:
                response = await client.request(method, path, json=body, headers=headers)
            events = [e for e in logs if e["event"] == "request"]
            assert len(events) == 1
            event = events[0]
            assert event.keys() >= REQUIRED
            cid = response.headers["x-correlation-id"]
            assert event["correlation_id"] == cid
            if give_cid:
                assert cid == headers["X-Correlation-ID"]
            assert event["status"] == response.status_code
            if response.status_code == 200:
                assert event["deployment"] and event["model"] and event["tokens_in"] > 0
            flat = repr(logs)
            assert "SECRET-PROMPT" not in flat
            assert KEY not in flat
            seen_ids.append(cid)
    assert len(set(seen_ids)) == len(seen_ids)


async def test_a_malformed_correlation_id_is_replaced_not_echoed() -> None:
    async with client_for(router_app()) as client:
        response = await client.get("/health", headers={"X-Correlation-ID": "bad id\n<script>"})
    cid = response.headers["x-correlation-id"]
    assert " " not in cid and "<" not in cid and len(cid) == 32
