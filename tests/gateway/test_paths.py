"""The foundry path in process: the gateway's deadline reaches the router inside it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager

import orjson
import pytest

from airouter.config import load_routing_config
from airouter.config.model import BreakerSettings, RetrySettings
from airouter.detect import Detector
from airouter.errors import (
    RouterAuthFailed,
    UpstreamBadResponse,
    UpstreamError,
    UpstreamServerError,
    UpstreamTimeout,
)
from airouter.gateway.agents import AGENTS
from airouter.gateway.paths import (
    AgentCall,
    GuardedPath,
    HttpRouter,
    InProcessRouter,
    RawAnswer,
)
from airouter.providers.base import Usage
from airouter.providers.schema_fill import fill
from airouter.providers.transport import Target, UpstreamReply, UpstreamStream
from airouter.router.caller import ResilientCaller
from airouter.router.service import RouterService
from airouter.routing.classifiers import LlmClassifier, LocalClassifier
from airouter.routing.signals import Hints
from tests.gateway.agents.samples import request_for, schema_of
from tests.router.test_service import Hangs, Scripted

CONFIG = load_routing_config(environ={})
AGENT = AGENTS["messaging"]
VALID_ANSWER = orjson.dumps(fill(schema_of(AGENT), ["thanks", "so", "much"])).decode()


async def test_a_hanging_deployment_is_cut_by_the_router_not_the_gateway() -> None:
    # The gateway gives the foundry path 0.6 s (its default is 5 s; the router's is 90 s).
    providers = {d.name: Scripted(d, [VALID_ANSWER]) for d in CONFIG.deployments}
    providers["llama-3.3-70b"] = Hangs(CONFIG.deployment("llama-3.3-70b"), [])
    router_caller = ResilientCaller.from_config(CONFIG)
    router = RouterService(CONFIG, providers, None, router_caller)
    gateway_caller = ResilientCaller.from_settings(
        RetrySettings(max_retries=0), BreakerSettings(), 0.6
    )
    path = GuardedPath("foundry", InProcessRouter(router), gateway_caller)
    hints = Hints(type="chat", complexity="low", language="en")
    answer = await path.run(AgentCall(AGENT, request_for(AGENT), hints, "cid"))
    assert answer.raw.deployment == "mistral-large"  # the router's own fallback answered
    assert router_caller.snapshot()["llama-3.3-70b"]["failures_in_window"] == 1
    assert gateway_caller.snapshot()["foundry"]["failures_in_window"] == 0


async def test_with_every_deployment_hanging_the_router_itself_keeps_the_gateways_deadline() -> (
    None
):
    # The foundry path sets no deadline scope around the in-process router (it keeps
    # the deadline it is handed): the router's own bounds must end the call in time.
    providers = {d.name: Hangs(d, []) for d in CONFIG.deployments}
    router = RouterService(CONFIG, providers, None, ResilientCaller.from_config(CONFIG))
    gateway_caller = ResilientCaller.from_settings(
        RetrySettings(max_retries=0), BreakerSettings(), 0.3
    )
    path = GuardedPath("foundry", InProcessRouter(router), gateway_caller)
    started = time.monotonic()
    async with asyncio.timeout(2):  # a router that did not keep it fails here, not hangs
        with pytest.raises(UpstreamTimeout):
            await path.run(AgentCall(AGENT, request_for(AGENT), Hints(type="chat"), "cid"))
    assert time.monotonic() - started < 0.5  # the deadline (0.3 s), give or take a busy loop
    assert gateway_caller.snapshot()["foundry"]["failures_in_window"] == 1


async def test_a_router_that_asks_an_llm_classifier_is_bounded_by_the_path_again() -> None:
    # The classifier's call has its own timeout (here 2 s), not the gateway's
    # deadline (0.2 s): the path must keep its own scope around such a router.
    hanging = Hangs(CONFIG.deployment("mistral-large"), [])
    classifier_caller = ResilientCaller.from_settings(
        RetrySettings(max_retries=0), BreakerSettings(), 2.0
    )
    classifier = LlmClassifier(hanging, LocalClassifier(Detector()), classifier_caller, ["en"])
    providers = {d.name: Scripted(d, [VALID_ANSWER]) for d in CONFIG.deployments}
    router = RouterService(CONFIG, providers, classifier, ResilientCaller.from_config(CONFIG))
    gateway_caller = ResilientCaller.from_settings(
        RetrySettings(max_retries=0), BreakerSettings(), 0.2
    )
    path = GuardedPath("foundry", InProcessRouter(router), gateway_caller)
    started = time.monotonic()
    with pytest.raises(UpstreamTimeout):
        await path.run(AgentCall(AGENT, request_for(AGENT), Hints(), "cid"))
    assert time.monotonic() - started < 1


class SlowBackend:
    """Answers after 150 ms; `keeps_deadline` as told (true: the path trusts it)."""

    def __init__(self, keeps_deadline: bool) -> None:
        self.keeps_deadline = keeps_deadline

    async def complete(self, call: AgentCall, deadline: float) -> RawAnswer:
        await asyncio.sleep(0.15)
        return RawAnswer(VALID_ANSWER, "m", "d", "eu", Usage(1, 1), 0.0)


@pytest.mark.parametrize("keeps_deadline", [True, False])
async def test_a_path_bounds_its_backend_only_when_the_backend_does_not_keep_its_deadline(
    keeps_deadline: bool,
) -> None:
    # 100 ms for the path, a backend that takes 150: one that says it keeps its
    # deadline is taken at its word (this one does not, to show it); one that does not
    # say so is cut at the deadline.
    caller = ResilientCaller.from_settings(RetrySettings(max_retries=0), BreakerSettings(), 0.1)
    path = GuardedPath("foundry", SlowBackend(keeps_deadline), caller)
    run = path.run(AgentCall(AGENT, request_for(AGENT), Hints(type="chat"), "cid"))
    if keeps_deadline:
        assert (await run).raw.deployment == "d"
    else:
        with pytest.raises(UpstreamTimeout):
            await run


class FakeUpstream:
    """The upstream seam, answering from a script; records what was sent."""

    def __init__(self, status: int = 200, body: bytes = b"", delay: float = 0.0) -> None:
        self.status, self.body, self.delay = status, body, delay
        self.sent: list[tuple[Target, bytes, Mapping[str, str]]] = []

    async def post(self, target: Target, body: bytes, headers: Mapping[str, str]) -> UpstreamReply:
        self.sent.append((target, body, headers))
        await asyncio.sleep(self.delay)
        return UpstreamReply(self.status, {}, self.body)

    def stream(
        self, target: Target, body: bytes, headers: Mapping[str, str]
    ) -> AbstractAsyncContextManager[UpstreamStream]:
        raise NotImplementedError


ROUTER_ANSWER = orjson.dumps(
    {
        "choices": [{"message": {"role": "assistant", "content": VALID_ANSWER}}],
        "usage": {"prompt_tokens": 30, "completion_tokens": 9},
        "airouter": {
            "deployment": "mistral-large",
            "upstream_model": "mistral-large-2411",
            "region": "francecentral",
            "cost_usd": 0.0012,
        },
    }
)
CALL = AgentCall(AGENT, request_for(AGENT), Hints(type="chat", language="fr", tier="vip"), "c-9")


async def test_the_remote_router_gets_the_agents_request_with_hints_key_and_correlation() -> None:
    upstream = FakeUpstream(body=ROUTER_ANSWER)
    router = HttpRouter("http://router.internal:8080/", "rk-1", upstream)
    raw = await router.complete(CALL, time.monotonic() + 5)
    [(target, body, headers)] = upstream.sent
    assert target.url == "http://router.internal:8080/v1/chat/completions"
    assert target.headers["Authorization"] == "Bearer rk-1"
    assert headers == {"X-Correlation-ID": "c-9"}
    sent = orjson.loads(body)
    assert (sent["model"], sent["type_hint"], sent["language_hint"], sent["client_tier"]) == (
        "auto",
        "chat",
        "fr",
        "vip",
    )
    assert sent["response_format"]["type"] == "json_schema"
    assert (raw.deployment, raw.model, raw.region, raw.cost_usd) == (
        "mistral-large",
        "mistral-large-2411",
        "francecentral",
        0.0012,
    )


@pytest.mark.parametrize(
    ("upstream", "error"),
    [
        (FakeUpstream(status=401), RouterAuthFailed),
        (FakeUpstream(status=403), RouterAuthFailed),
        (FakeUpstream(status=503), UpstreamServerError),
        (FakeUpstream(status=200, body=b'{"choices": []}'), UpstreamBadResponse),
        (
            FakeUpstream(body=orjson.dumps({"choices": [{"message": {"content": "x"}}]})),
            UpstreamBadResponse,
        ),
        (FakeUpstream(body=ROUTER_ANSWER, delay=1.0), UpstreamTimeout),
    ],
)
async def test_remote_router_failures_are_path_failures(
    upstream: FakeUpstream, error: type[UpstreamError]
) -> None:
    router = HttpRouter("http://router.internal:8080", None, upstream)
    with pytest.raises(error):
        await router.complete(CALL, time.monotonic() + 0.05)
    assert "Authorization" not in upstream.sent[0][0].headers  # no key configured, none sent
