"""The router under uvicorn, in its own process, against the fake upstream process.

Real sockets both ways; the official `openai` SDK is the client.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import openai
import pytest
from prometheus_client.multiprocess import MultiProcessCollector

from airouter.metrics import VALUE_FILE
from tests.fakes.control import FakeUpstream
from tests.integration.router_proc import (
    AZURE_KEY,
    OPENAI_KEY,
    ROUTER_KEY,
    RouterProcess,
    routing_config,
    run_router,
)

pytestmark = pytest.mark.integration
# Breakers that never trip, so tests sharing this router process stay independent;
# tests/integration/test_resilience_sockets.py covers the breaker over the wire.
FAST_RETRIES = {
    "retry": {"max_retries": 1, "base": 0.05},
    "breaker": {"minimum_calls": 100_000, "consecutive_failures": None},
}


@pytest.fixture(scope="module")
def router_proc(
    fake_upstream_session: FakeUpstream, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RouterProcess]:
    config = routing_config(fake_upstream_session.url, **FAST_RETRIES)
    with run_router(tmp_path_factory.mktemp("router"), config) as proc:
        yield proc


@pytest.fixture
def router(router_proc: RouterProcess, fake_upstream: FakeUpstream) -> RouterProcess:
    return router_proc  # fake_upstream: reset before each test


def sdk(router: RouterProcess, key: str = ROUTER_KEY) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{router.url}/v1", api_key=key, max_retries=0, timeout=10)


def route(router: RouterProcess, body: dict[str, object], **headers: str) -> httpx.Response:
    return httpx.post(
        f"{router.url}/route", json=body, timeout=15, headers={"X-API-Key": ROUTER_KEY, **headers}
    )


def test_the_openai_sdk_gets_a_completion_through_the_router(
    router: RouterProcess, fake_upstream: FakeUpstream
) -> None:
    with sdk(router) as client:
        raw = client.chat.completions.with_raw_response.create(
            model="auto", messages=[{"role": "user", "content": "Hello there, how are you?"}]
        )
    completion = raw.parse()
    assert completion.choices[0].message.content.startswith("echo: Hello there")
    assert completion.usage is not None and completion.usage.total_tokens > 0
    assert completion.model == "oa"
    sent = fake_upstream.requests("oa-model")[0]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["headers"]["authorization"] == f"Bearer {OPENAI_KEY}"
    assert sent["headers"]["x-correlation-id"] == raw.headers["x-correlation-id"]
    assert sent["json"]["model"] == "oa-model"


def test_the_openai_sdk_streams_through_the_router(
    router: RouterProcess, fake_upstream: FakeUpstream
) -> None:
    with sdk(router) as client:
        stream = client.chat.completions.create(
            model="auto",
            stream=True,
            stream_options={"include_usage": True},
            messages=[{"role": "user", "content": "Tell me a long story about the sea"}],
        )
        chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.startswith("echo: Tell me a long story")
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
    assert fake_upstream.requests("oa-model")[0]["json"]["stream"] is True


def test_azure_foundry_and_azure_openai_wire_formats(
    router: RouterProcess, fake_upstream: FakeUpstream
) -> None:
    french = route(router, {"prompt": "Bonjour tout le monde", "language_hint": "fr"})
    vip = route(router, {"prompt": "Hi", "client_tier": "vip", "language_hint": "en"})
    assert (french.status_code, french.json()["deployment"]) == (200, "foundry")
    assert (vip.status_code, vip.json()["deployment"]) == (200, "aoai")
    foundry = fake_upstream.requests("foundry-model")[0]
    assert foundry["path"] == "/models/chat/completions"
    assert foundry["query"]["api-version"]
    assert foundry["headers"]["api-key"] == AZURE_KEY
    assert foundry["json"]["model"] == "foundry-model"
    aoai = fake_upstream.requests("aoai-dep")[0]
    assert aoai["path"] == "/openai/deployments/aoai-dep/chat/completions"
    assert aoai["headers"]["api-key"] == AZURE_KEY
    assert "model" not in aoai["json"]


@pytest.mark.parametrize(
    ("step", "code", "status"),
    [
        ({"status": 429, "headers": {"Retry-After": "120"}}, "upstream_rate_limited", 429),
        ({"status": 503}, "upstream_error", 503),
        ({"status": 500}, "upstream_error", 500),
        ({"status": 400}, "upstream_rejected", 400),
        ({"status": 401}, "upstream_rejected", 401),
        ({"kind": "malformed_json"}, "upstream_bad_response", None),
        ({"kind": "slow_headers", "delay_ms": 2500}, "upstream_timeout", None),
    ],
)
def test_a_failing_head_falls_back_and_says_why(
    router: RouterProcess,
    fake_upstream: FakeUpstream,
    step: dict[str, object],
    code: str,
    status: int | None,
) -> None:
    fake_upstream.script("oa-model", step, repeat=True)
    response = route(router, {"prompt": "Hello, what's new?", "language_hint": "en"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["deployment"] == "foundry"
    assert body["routing"]["fallbacks"] == [
        {"deployment": "oa", "code": code, "upstream_status": status}
    ]


@pytest.mark.parametrize(
    ("step", "http_status", "code"),
    [
        ({"status": 503}, 502, "upstream_error"),
        ({"status": 400}, 502, "upstream_rejected"),
        ({"kind": "slow_headers", "delay_ms": 2500}, 504, "upstream_timeout"),
    ],
)
def test_when_every_deployment_fails_the_error_names_them_and_hides_upstream_text(
    router: RouterProcess,
    fake_upstream: FakeUpstream,
    step: dict[str, object],
    http_status: int,
    code: str,
) -> None:
    fake_upstream.script("*", step, repeat=True)
    response = route(router, {"prompt": "Hello", "language_hint": "en"})
    assert response.status_code == http_status
    error = response.json()["error"]
    assert error["code"] == "all_deployments_failed"
    assert [t["deployment"] for t in error["tried"]] == ["oa", "foundry"]
    assert {t["code"] for t in error["tried"]} == {code}
    assert "upstream-secret-detail" not in response.text
    assert error["correlation_id"] == response.headers["x-correlation-id"]


def test_a_stream_broken_after_the_first_byte_is_not_retried_elsewhere(
    router: RouterProcess, fake_upstream: FakeUpstream
) -> None:
    fake_upstream.script("oa-model", {"kind": "drop_mid_stream"})
    with sdk(router) as client, pytest.raises(openai.APIError):
        for _ in client.chat.completions.create(
            model="auto", stream=True, messages=[{"role": "user", "content": "Hi there"}]
        ):
            pass
    assert fake_upstream.hits("foundry-model") == 0


def test_a_stream_that_fails_before_the_first_byte_fails_over(
    router: RouterProcess, fake_upstream: FakeUpstream
) -> None:
    fake_upstream.script("oa-model", {"status": 503}, repeat=True)
    with sdk(router) as client:
        chunks = list(
            client.chat.completions.create(
                model="auto", stream=True, messages=[{"role": "user", "content": "Hi there"}]
            )
        )
    assert chunks[0].model == "foundry"
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def test_the_router_key_is_required_over_the_wire(router: RouterProcess) -> None:
    with sdk(router, key="wrong") as client, pytest.raises(openai.AuthenticationError):
        client.models.list()
    with sdk(router) as client:
        assert "oa" in [m.id for m in client.models.list()]


def test_each_request_is_logged_once_without_keys_or_prompts(
    router: RouterProcess, fake_upstream: FakeUpstream
) -> None:
    marker = "PROMPT-MARKER-6d1e"
    ok = route(router, {"prompt": f"{marker} hello"}, **{"X-Correlation-ID": "corr-ok-1"})
    fake_upstream.script("*", {"status": 503}, repeat=True)
    failed = route(router, {"prompt": f"{marker} again"}, **{"X-Correlation-ID": "corr-bad-1"})
    assert (ok.status_code, failed.status_code) == (200, 502)
    by_id = router.wait_for_requests("corr-ok-1", "corr-bad-1")
    assert by_id["corr-ok-1"]["deployment"] == "oa"
    assert by_id["corr-ok-1"]["tokens_out"] > 0
    assert by_id["corr-bad-1"]["status"] == 502
    output = router.process.output()
    for secret in (marker, ROUTER_KEY, OPENAI_KEY, AZURE_KEY, "upstream-secret-detail"):
        assert secret not in output


def test_a_stream_too_slow_for_its_total_timeout_ends_with_an_error_event(
    router: RouterProcess, fake_upstream: FakeUpstream
) -> None:
    fake_upstream.script("oa-model", {"kind": "slow_stream", "delay_ms": 700})
    before = httpx.get(f"{router.url}/ready").json()["breakers"]["oa"]["failures_in_window"]
    with sdk(router) as client:
        raw = client.chat.completions.with_raw_response.create(
            model="auto",
            stream=True,
            messages=[{"role": "user", "content": "Tell me a long story about the sea"}],
        )
        cid = raw.headers["x-correlation-id"]
        with pytest.raises(openai.APIError, match="the upstream stream broke"):
            for _ in raw.parse():
                pass
    event = router.wait_for_requests(cid)[cid]
    assert (event["deployment"], event["stream"]) == ("oa", "upstream_timeout")
    after = httpx.get(f"{router.url}/ready").json()["breakers"]["oa"]["failures_in_window"]
    assert after == before + 1  # the breaker saw the failure after the first byte


def test_an_upstream_cookie_is_never_replayed_on_later_requests(
    router: RouterProcess, fake_upstream: FakeUpstream
) -> None:
    fake_upstream.script("oa-model", {"kind": "ok", "headers": {"Set-Cookie": "sid=alice"}})
    for _ in range(2):
        assert route(router, {"prompt": "Hello there", "language_hint": "en"}).status_code == 200
    second = fake_upstream.requests("oa-model")[1]
    assert "cookie" not in second["headers"]


def test_past_its_in_flight_limit_the_router_refuses_at_once_and_keeps_serving(
    fake_upstream: FakeUpstream, tmp_path: Path
) -> None:
    config = routing_config(fake_upstream.url, **FAST_RETRIES)
    with run_router(tmp_path, config, env={"AIROUTER_MAX_IN_FLIGHT": "1"}) as proc:
        fake_upstream.script("oa-model", {"kind": "slow_headers", "delay_ms": 1000})
        with ThreadPoolExecutor(1) as pool:
            slow = pool.submit(route, proc, {"prompt": "hello"})
            wait_until_in_flight(proc, 1)
            refused = route(proc, {"prompt": "hello again"})
            health = httpx.get(f"{proc.url}/health", timeout=5)
            served = slow.result(timeout=15)
        after = route(proc, {"prompt": "and again"})
        assert (served.status_code, after.status_code, health.status_code) == (200, 200, 200)
        assert refused.status_code == 503
        assert refused.json()["error"]["code"] == "overloaded"
        assert refused.headers["retry-after"] == "1"
        assert "airouter_shed_requests_total 1.0" in scrape(proc)


def scrape(proc: RouterProcess) -> str:
    return httpx.get(f"{proc.url}/metrics", headers={"X-API-Key": ROUTER_KEY}, timeout=5).text


def wait_until_in_flight(proc: RouterProcess, count: int, timeout: float = 5.0) -> None:
    """Until the router reports `count` requests in flight."""
    deadline = time.monotonic() + timeout
    while f"airouter_http_requests_in_flight {count}.0" not in scrape(proc):
        assert time.monotonic() < deadline, "the slow request never reached the router"
        time.sleep(0.02)


def test_workers_behind_one_port_report_every_workers_requests_on_each_scrape(
    fake_upstream: FakeUpstream, tmp_path: Path
) -> None:
    shared = tmp_path / "metrics"
    shared.mkdir()
    (shared / "counter_999999.db").write_bytes(b"a previous run's file")  # wiped at start
    config = routing_config(fake_upstream.url, **FAST_RETRIES)
    env = {"PROMETHEUS_MULTIPROC_DIR": str(shared)}
    with run_router(tmp_path, config, env=env, workers=2) as proc:
        assert_every_scrape_counts(proc, serve_from_both_workers(proc, shared))
        # The in-flight gauge is shared too: a scrape on either worker sees the request.
        fake_upstream.script("oa-model", {"kind": "slow_headers", "delay_ms": 1000})
        with ThreadPoolExecutor(1) as pool:
            slow = pool.submit(route, proc, {"prompt": "hello"})
            wait_until_in_flight(proc, 1)
            assert slow.result(timeout=15).status_code == 200
        wait_until_in_flight(proc, 0)
    # Workers that shut down stop counting in the gauges; their counters stay.
    assert not list(shared.glob("gauge_live*"))
    assert len(list(shared.glob("counter_*.db"))) == 2


def test_unless_told_where_workers_share_metrics_in_a_directory_removed_at_exit(
    fake_upstream: FakeUpstream, tmp_path: Path
) -> None:
    scratch = tmp_path / "tmp"  # where the CLI makes its temporary directory
    scratch.mkdir()
    config = routing_config(fake_upstream.url, **FAST_RETRIES)
    env = {"TMPDIR": str(scratch), "PROMETHEUS_MULTIPROC_DIR": None}
    with run_router(tmp_path, config, env=env, workers=2) as proc:
        wait_for(lambda: len(list(scratch.glob("airouter-metrics-*"))) == 1, "the directory")
        (shared,) = scratch.glob("airouter-metrics-*")
        assert_every_scrape_counts(proc, serve_from_both_workers(proc, shared))
    assert not list(scratch.glob("airouter-metrics-*"))


def serve_from_both_workers(proc: RouterProcess, shared: Path) -> int:
    """Requests to /route until both workers have served some; how many were sent."""
    # /health answers once one worker is up; each writes its files when it starts.
    wait_for(lambda: len(list(shared.glob("gauge_livesum_*.db"))) == 2, "two workers")
    # One request per connection: the kernel hands each new one to either worker.
    sent = 0
    deadline = time.monotonic() + 30
    while not all_served(routed_by_worker(shared)):
        assert time.monotonic() < deadline, f"one worker took all {sent} requests"
        assert route(proc, {"prompt": f"hello {sent}"}).status_code == 200
        sent += 1
    # A worker counts a request just after answering it.
    wait_for(lambda: sum(routed_by_worker(shared).values()) >= sent, "every request counted")
    assert sum(routed_by_worker(shared).values()) == sent
    return sent


def assert_every_scrape_counts(proc: RouterProcess, sent: int) -> None:
    """Six scrapes, each on a new connection to either worker, all count `sent`."""
    line = f'airouter_http_requests_total{{route="/route",status="200"}} {sent}.0'
    for _ in range(6):
        assert line in scrape(proc)


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"waited {timeout:.0f} s for {what}"
        time.sleep(0.02)


def all_served(per_worker: dict[str, float]) -> bool:
    return len(per_worker) == 2 and all(per_worker.values())


def routed_by_worker(shared: Path) -> dict[str, float]:
    """/route requests each worker has counted, read from its own file (by its pid)."""
    counted = {}
    for file in shared.glob("counter_*.db"):
        samples = (s for m in MultiProcessCollector.merge([str(file)]) for s in m.samples)
        named = VALUE_FILE.fullmatch(file.name)  # the worker's pid is in the name
        assert named is not None
        counted[named["pid"]] = sum(
            s.value
            for s in samples
            if s.name == "airouter_http_requests_total" and s.labels.get("route") == "/route"
        )
    return counted
