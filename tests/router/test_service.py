"""The chain walker with scripted providers, an injected clock and no real sleeping."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Iterable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airouter.config import load_routing_config
from airouter.config.model import Deployment, RoutingConfig
from airouter.detect import Detector
from airouter.errors import (
    AllDeploymentsFailed,
    UpstreamError,
    UpstreamRejected,
    UpstreamServerError,
)
from airouter.providers.base import ChatRequest, ChatResult, StreamChunk, Usage
from airouter.router.caller import ResilientCaller
from airouter.router.service import FALLBACK_RESERVE, RouterService, share_of
from airouter.routing.classifiers import LocalClassifier
from airouter.routing.signals import Hints

REQUEST = ChatRequest([{"role": "user", "content": "hi"}], correlation_id="c")
HINTS = Hints(type="chat", complexity="low", language="en")  # default rule: llama → mistral


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


class Scripted:
    """A provider answering from a script: an exception to raise, or text to return."""

    def __init__(self, deployment: Deployment, script: Iterable[Exception | str]) -> None:
        self._deployment = deployment
        self._script = list(script)
        self.calls = 0

    @property
    def deployment(self) -> Deployment:
        return self._deployment

    def _next(self) -> str:
        self.calls += 1
        step = self._script[min(self.calls, len(self._script)) - 1]
        if isinstance(step, Exception):
            raise step
        return step

    async def complete(self, request: ChatRequest) -> ChatResult:
        return ChatResult(self._next(), self._deployment.model, Usage(3, 4))

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamChunk]:
        text = self._next()
        for word in text.split():
            yield StreamChunk(delta=word)
        yield StreamChunk(finish_reason="stop", usage=Usage(3, 4))


def service(
    config: RoutingConfig,
    replace: dict[str, Scripted] | None = None,
    **scripts: list[Exception | str],
) -> tuple[RouterService, dict[str, Scripted], ResilientCaller]:
    clock = Clock()
    providers = {d.name: Scripted(d, scripts.get(d.name, ["ok"])) for d in config.deployments}
    providers.update(replace or {})
    caller = ResilientCaller.from_config(
        config, clock=clock, sleep=clock.sleep, rng=random.Random(1)
    )
    return RouterService(config, providers, None, caller), providers, caller


def failing(name: str, status: int = 503) -> UpstreamError:
    return UpstreamServerError("boom", deployment=name, upstream_status=status)


CONFIG = load_routing_config(environ={})


async def test_every_failed_attempt_reaches_the_breaker_no_layer_swallows_it() -> None:
    svc, providers, caller = service(CONFIG, **{"llama-3.3-70b": [failing("llama-3.3-70b")]})
    outcome = await svc.complete(REQUEST, await svc.plan(REQUEST.messages, HINTS))
    assert outcome.deployment.name == "mistral-large"
    attempts = providers["llama-3.3-70b"].calls
    assert attempts == CONFIG.resilience.retry.max_retries + 1
    snap = caller.snapshot()["llama-3.3-70b"]
    assert snap["failures_in_window"] == attempts
    assert snap["calls_in_window"] == attempts


async def test_an_open_breaker_skips_the_deployment_without_calling_it() -> None:
    svc, providers, caller = service(CONFIG, **{"llama-3.3-70b": [failing("llama-3.3-70b")]})
    plan = await svc.plan(REQUEST.messages, HINTS)
    for _ in range(3):
        await svc.complete(REQUEST, plan)
    assert caller.snapshot()["llama-3.3-70b"]["state"] == "open"
    calls = providers["llama-3.3-70b"].calls
    outcome = await svc.complete(REQUEST, plan)
    assert providers["llama-3.3-70b"].calls == calls
    assert [a.code for a in outcome.skipped] == ["circuit_open"]


async def test_a_rejected_request_is_not_retried_and_not_held_against_the_provider() -> None:
    rejected = UpstreamRejected("no", deployment="llama-3.3-70b", upstream_status=400)
    svc, providers, caller = service(CONFIG, **{"llama-3.3-70b": [rejected]})
    outcome = await svc.complete(REQUEST, await svc.plan(REQUEST.messages, HINTS))
    assert providers["llama-3.3-70b"].calls == 1
    assert outcome.skipped[0].code == "upstream_rejected"
    assert caller.snapshot()["llama-3.3-70b"]["failures_in_window"] == 0


async def test_when_the_whole_chain_fails_the_error_lists_each_deployment() -> None:
    svc, _, _ = service(
        CONFIG,
        **{
            "llama-3.3-70b": [failing("llama-3.3-70b")],
            "mistral-large": [failing("mistral-large", 500)],
        },
    )
    with pytest.raises(AllDeploymentsFailed) as caught:
        await svc.complete(REQUEST, await svc.plan(REQUEST.messages, HINTS))
    assert [(a.deployment, a.upstream_status) for a in caught.value.attempts] == [
        ("llama-3.3-70b", 503),
        ("mistral-large", 500),
    ]
    assert caught.value.http_status == 502


async def test_a_stream_fails_over_only_before_its_first_chunk() -> None:
    svc, providers, _ = service(CONFIG, **{"llama-3.3-70b": [failing("llama-3.3-70b")]})
    opened = await svc.stream(REQUEST, await svc.plan(REQUEST.messages, HINTS))
    text = [c.delta async for c in opened.chunks]
    assert opened.deployment.name == "mistral-large"
    assert providers["llama-3.3-70b"].calls == CONFIG.resilience.retry.max_retries + 1
    assert "".join(text) == "ok"


async def test_an_error_after_the_first_chunk_reaches_the_caller() -> None:
    class Breaks(Scripted):
        async def stream(self, request: ChatRequest) -> AsyncIterator[StreamChunk]:
            yield StreamChunk(delta="partial")
            raise failing("llama-3.3-70b")

    llama = CONFIG.deployment("llama-3.3-70b")
    svc, providers, _ = service(CONFIG, replace={"llama-3.3-70b": Breaks(llama, ["x"])})
    opened = await svc.stream(REQUEST, await svc.plan(REQUEST.messages, HINTS))
    with pytest.raises(UpstreamServerError):
        async for _ in opened.chunks:
            pass
    assert providers["mistral-large"].calls == 0


class Hangs(Scripted):
    """A deployment that accepts the request and never answers."""

    async def complete(self, request: ChatRequest) -> ChatResult:
        self.calls += 1
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


@given(now=st.floats(0, 1e6), budget=st.floats(0.001, 1e4), left=st.integers(1, 6))
def test_a_deployment_gets_most_of_the_time_and_its_fallbacks_keep_a_reserve(
    now: float, budget: float, left: int
) -> None:
    deadline = now + budget
    share = share_of(now, deadline, left)
    assert now < share <= deadline
    assert share >= now + budget / 2 - 1e-6  # never less than half of what is left
    if left == 1:
        assert share == deadline
    else:
        kept = deadline - share
        assert 0 < kept <= FALLBACK_RESERVE * (left - 1) + 1e-6


async def test_healthy_deployments_slower_than_an_equal_split_still_answer() -> None:
    # 0.3 s answers under a 0.45 s deadline: an equal split (0.225 s each) failed both.
    class Slow(Scripted):
        async def complete(self, request: ChatRequest) -> ChatResult:
            await asyncio.sleep(0.3)
            return await super().complete(request)

    providers = {d.name: Slow(d, ["ok"]) for d in CONFIG.deployments}
    config = CONFIG.model_copy(
        update={"resilience": CONFIG.resilience.model_copy(update={"deadline": 0.45})}
    )
    svc = RouterService(config, providers, None, ResilientCaller.from_config(config))
    outcome = await svc.complete(REQUEST, await svc.plan(REQUEST.messages, HINTS))
    assert outcome.deployment.name == "llama-3.3-70b"
    assert outcome.skipped == ()


async def test_a_hanging_head_leaves_time_for_its_fallback_and_its_breaker_sees_it() -> None:
    # Real time here: a hang is cut by asyncio.timeout on the event loop's clock.
    config = CONFIG.model_copy(
        update={
            "resilience": CONFIG.resilience.model_copy(
                update={
                    "deadline": 0.4,
                    "retry": CONFIG.resilience.retry.model_copy(update={"max_retries": 0}),
                }
            )
        }
    )
    llama = CONFIG.deployment("llama-3.3-70b")
    providers = {d.name: Scripted(d, ["ok"]) for d in config.deployments}
    providers["llama-3.3-70b"] = Hangs(llama, ["x"])
    caller = ResilientCaller.from_config(config)
    svc = RouterService(config, providers, None, caller)
    started = time.monotonic()
    outcome = await svc.complete(REQUEST, await svc.plan(REQUEST.messages, HINTS))
    assert outcome.deployment.name == "mistral-large"
    assert [a.code for a in outcome.skipped] == ["upstream_timeout"]
    assert time.monotonic() - started < 0.4
    assert caller.snapshot()["llama-3.3-70b"]["failures_in_window"] == 1


async def test_a_plan_is_reused_only_for_the_same_hints_and_detection() -> None:
    # Plans are cached by (hints, detection): a repeat gets the same plan, and any
    # hint that differs gets its own, never a neighbour's.
    svc, _, _ = service(CONFIG)
    vip = Hints(type="chat", complexity="low", language="en", tier="vip")
    first = await svc.plan(REQUEST.messages, HINTS)
    assert await svc.plan(REQUEST.messages, HINTS) is first
    assert (await svc.plan(REQUEST.messages, vip)).decision.rule == "vip"
    assert (await svc.plan(REQUEST.messages, HINTS)).decision.rule == first.decision.rule != "vip"
    french = await svc.plan(REQUEST.messages, Hints(type="chat", complexity="low", language="fr"))
    assert french.resolved.signals.language == "fr"


async def test_a_repeated_prompt_reuses_its_plan_and_a_new_one_gets_its_own() -> None:
    local = LocalClassifier(Detector())
    svc = RouterService(CONFIG, {}, local, ResilientCaller.from_config(CONFIG))
    english = [{"role": "user", "content": "What is the capital of Australia?"}]
    french = [{"role": "user", "content": "Quelle est la capitale de l'Australie ?"}]
    first = await svc.plan(english, Hints())
    assert await svc.plan(list(english), Hints()) is first
    other = await svc.plan(french, Hints())
    assert (first.resolved.signals.language, other.resolved.signals.language) == ("en", "fr")
    assert other.decision.rule != first.decision.rule


class Unhashable:
    """A detection an injected classifier might return: not hashable."""

    __hash__ = None  # type: ignore[assignment]

    def __init__(self) -> None:
        self.type, self.complexity, self.language, self.reasons = "math", "high", "en", ()


class GivesUnhashable:
    async def classify(self, messages: object) -> Unhashable:
        return Unhashable()


async def test_a_detection_that_cannot_be_hashed_is_planned_without_the_cache() -> None:
    svc = RouterService(CONFIG, {}, GivesUnhashable(), ResilientCaller.from_config(CONFIG))
    plan = await svc.plan(REQUEST.messages, Hints())
    assert plan.resolved.signals.type == "math"


class SlowWithLimit(Scripted):
    """Answers after 300 ms; says it gives up by itself within `gives_up_within` s."""

    def __init__(self, deployment: Deployment, gives_up_within: float) -> None:
        super().__init__(deployment, ["slow"])
        self.gives_up_within = gives_up_within

    async def complete(self, request: ChatRequest) -> ChatResult:
        await asyncio.sleep(0.3)
        return await super().complete(request)


@pytest.mark.parametrize(
    ("limit", "answered_by"), [(0.01, "llama-3.3-70b"), (30.0, "mistral-large")]
)
async def test_a_deployments_own_time_limit_decides_whether_the_deadline_must_cut_it(
    limit: float, answered_by: str
) -> None:
    # Real time, a 200 ms deadline. A deployment that gives up by itself well within
    # it is not bounded a second time (the provider's word is taken: this one is
    # slower than it says, to show it); one whose limit could outlast the deadline is
    # cut, and its fallback answers.
    providers: dict[str, Scripted] = {d.name: Scripted(d, ["ok"]) for d in CONFIG.deployments}
    providers["llama-3.3-70b"] = SlowWithLimit(CONFIG.deployment("llama-3.3-70b"), limit)
    svc = RouterService(CONFIG, providers, None, ResilientCaller.from_config(CONFIG))
    plan = await svc.plan(REQUEST.messages, HINTS)
    outcome = await svc.complete(REQUEST, plan, deadline=time.monotonic() + 0.2)
    assert outcome.deployment.name == answered_by


async def test_a_deployment_left_no_time_is_reported_as_not_attempted() -> None:
    svc, providers, _ = service(CONFIG)  # its clock reads 1000.0
    with pytest.raises(AllDeploymentsFailed) as caught:
        await svc.complete(REQUEST, await svc.plan(REQUEST.messages, HINTS), deadline=999.0)
    assert {a.code for a in caught.value.attempts} == {"not_attempted"}
    assert caught.value.http_status == 504
    assert providers["llama-3.3-70b"].calls == 0
