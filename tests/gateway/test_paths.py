"""The foundry path in process: the gateway's deadline reaches the router inside it."""

from __future__ import annotations

import orjson

from airouter.config import load_routing_config
from airouter.config.model import BreakerSettings, RetrySettings
from airouter.gateway.agents import AGENTS
from airouter.gateway.paths import AgentCall, GuardedPath, InProcessRouter
from airouter.providers.schema_fill import fill
from airouter.router.caller import ResilientCaller
from airouter.router.service import RouterService
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
