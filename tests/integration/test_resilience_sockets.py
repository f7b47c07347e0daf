"""Retries, breakers and fallback over real sockets: the router process and the fake upstream.

Each test starts its own router so breaker state never leaks between tests.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes.control import FakeUpstream
from tests.integration.router_proc import ROUTER_KEY, RouterProcess, routing_config, run_router

pytestmark = pytest.mark.integration
HEADERS = {"X-API-Key": ROUTER_KEY}
ENGLISH = {"prompt": "Hello, how are you today?", "language_hint": "en", "type_hint": "chat"}


def route(router: RouterProcess) -> httpx.Response:
    return httpx.post(f"{router.url}/route", json=ENGLISH, headers=HEADERS, timeout=20)


def breaker(router: RouterProcess, name: str) -> dict[str, Any]:
    state: dict[str, Any] = httpx.get(f"{router.url}/ready").json()["breakers"][name]
    return state


def test_503_503_200_succeeds_on_the_third_upstream_hit(
    fake_upstream: FakeUpstream, tmp_path: Path
) -> None:
    fake_upstream.script("oa-model", {"status": 503}, {"status": 503})
    config = routing_config(fake_upstream.url, retry={"base": 0.05})
    with run_router(tmp_path, config) as router:
        response = route(router)
    assert response.status_code == 200
    assert response.json()["deployment"] == "oa"
    assert response.json()["routing"]["fallbacks"] == []
    assert fake_upstream.hits("oa-model") == 3
    assert fake_upstream.hits("foundry-model") == 0


def test_retry_after_is_honoured_between_attempts(
    fake_upstream: FakeUpstream, tmp_path: Path
) -> None:
    fake_upstream.script("oa-model", {"status": 429, "headers": {"Retry-After": "1"}})
    config = routing_config(fake_upstream.url, retry={"base": 0.01})
    with run_router(tmp_path, config) as router:
        response = route(router)
    assert response.status_code == 200
    first, second = (r["time"] for r in fake_upstream.requests("oa-model"))
    assert second - first >= 1.0


def test_a_dead_deployment_trips_its_breaker_then_recovers_through_a_half_open_trial(
    fake_upstream: FakeUpstream, tmp_path: Path
) -> None:
    fake_upstream.script("oa-model", {"status": 500}, repeat=True)
    config = routing_config(
        fake_upstream.url,
        retry={"max_retries": 0},
        breaker={
            "minimum_calls": 4,
            "failure_rate_threshold": 0.5,
            "consecutive_failures": None,
            "open_wait": 1.5,
        },
    )
    with run_router(tmp_path, config) as router:
        for _ in range(4):  # four failed calls reach the threshold
            assert route(router).json()["deployment"] == "foundry"
        assert breaker(router, "oa")["state"] == "open"
        metrics = httpx.get(f"{router.url}/metrics", headers=HEADERS).text
        assert 'airouter_breaker_state{target="oa"} 2.0' in metrics
        hits_when_open = fake_upstream.hits("oa-model")
        for _ in range(5):
            body = route(router).json()
            assert body["deployment"] == "foundry"
            assert body["routing"]["fallbacks"][0]["code"] == "circuit_open"
        assert fake_upstream.hits("oa-model") == hits_when_open  # no traffic to the dead one

        fake_upstream.script("oa-model", {"kind": "ok"}, repeat=True)  # it recovers
        time.sleep(1.6)  # the breaker's wait in OPEN, in real time: this crosses processes
        assert route(router).json()["deployment"] == "oa"  # the half-open trial
        assert breaker(router, "oa")["state"] == "closed"
        assert fake_upstream.hits("oa-model") == hits_when_open + 1
        events = [e for e in router.log_events() if e.get("event") == "breaker_transition"]
    assert [(e["old"], e["new"]) for e in events] == [
        ("closed", "open"),
        ("open", "half_open"),
        ("half_open", "closed"),
    ]
