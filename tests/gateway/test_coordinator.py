"""Seed properties 3 (metadata) and 4 (fallback) on the coordinator, with fake backends."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airouter.config.model import BreakerSettings, RetrySettings
from airouter.errors import (
    CircuitOpen,
    ProvidersFailed,
    UpstreamConnectionError,
    UpstreamError,
    UpstreamRateLimited,
    UpstreamRejected,
    UpstreamServerError,
    UpstreamTimeout,
)
from airouter.gateway.agents import AGENTS, Agent
from airouter.gateway.coordinator import Coordinator, metadata
from airouter.gateway.paths import AgentCall, GuardedPath, RawAnswer
from airouter.providers.base import Usage
from airouter.providers.schema_fill import fill
from airouter.router.caller import ResilientCaller
from airouter.routing.signals import Hints
from tests.gateway.agents.samples import request_for, schema_of

FAILURES: list[type[UpstreamError]] = [
    UpstreamTimeout,
    UpstreamConnectionError,
    UpstreamRateLimited,
    UpstreamServerError,
    UpstreamRejected,
    CircuitOpen,
]


class FixedPercentage:
    def __init__(self, value: int) -> None:
        self.value = value

    async def percentage(self) -> int:
        return self.value


class FakeBackend:
    """Answers with a valid JSON answer for the agent, raises `error`, or returns `text`."""

    def __init__(
        self, deployment: str, error: UpstreamError | None = None, text: str | None = None
    ) -> None:
        self.deployment = deployment
        self.error = error
        self.text = text
        self.calls = 0

    async def complete(self, call: AgentCall, deadline: float) -> RawAnswer:
        self.calls += 1
        if self.error is not None:
            raise self.error
        text = self.text
        if text is None:
            text = orjson.dumps(fill(schema_of(call.agent), ["fine", "answer"])).decode()
        return RawAnswer(
            text, f"{self.deployment}-model", self.deployment, "eu", Usage(10, 5), 0.001
        )


async def no_sleep(_: float) -> None:
    return None


def path(name: str, backend: FakeBackend) -> GuardedPath:
    caller = ResilientCaller.from_settings(
        RetrySettings(max_retries=1, base=0.0), BreakerSettings(), 5.0, sleep=no_sleep
    )
    return GuardedPath(name, backend, caller)


def coordinator(
    foundry: FakeBackend,
    legacy: FakeBackend,
    *,
    mode: str = "foundry",
    fallback: bool = True,
    percentage: int = 0,
) -> Coordinator:
    return Coordinator(
        mode,
        "m",
        FixedPercentage(percentage),  # type: ignore[arg-type]
        path("foundry", foundry),
        path("legacy", legacy),
        fallback_enabled=fallback,
    )


async def ask(c: Coordinator, agent: Agent, creator: str = "creator-1"):  # type: ignore[no-untyped-def]
    return await c.handle(agent, request_for(agent), creator, Hints(type=agent.task_type), "cid")


agents = st.sampled_from(sorted(AGENTS.values(), key=lambda a: a.name))
failures = st.builds(
    lambda cls, status: cls("x", deployment="d", upstream_status=status),
    st.sampled_from(FAILURES),
    st.sampled_from([None, 429, 500, 503]),
)


@settings(max_examples=60, deadline=None)
@given(agent=agents, error=failures)
async def test_a_foundry_failure_falls_back_to_legacy_with_its_reason(
    agent: Agent, error: UpstreamError
) -> None:
    c = coordinator(FakeBackend("router", error), FakeBackend("legacy-gpt"))
    answer = await ask(c, agent)
    meta = metadata(answer)
    assert (meta["provider"], meta["fallback_used"], meta["fallback_reason"]) == (
        "legacy",
        True,
        error.code,
    )
    assert meta["deployment"] == "legacy-gpt"


@settings(max_examples=30, deadline=None)
@given(agent=agents, error=failures)
async def test_with_fallback_disabled_a_foundry_failure_is_an_error_naming_it(
    agent: Agent, error: UpstreamError
) -> None:
    legacy = FakeBackend("legacy-gpt")
    c = coordinator(FakeBackend("router", error), legacy, fallback=False)
    with pytest.raises(ProvidersFailed) as caught:
        await ask(c, agent)
    assert caught.value.reasons == (("foundry", error.code),)
    assert legacy.calls == 0


@settings(max_examples=30, deadline=None)
@given(agent=agents, first=failures, second=failures)
async def test_when_both_paths_fail_the_error_names_both_reasons(
    agent: Agent, first: UpstreamError, second: UpstreamError
) -> None:
    c = coordinator(FakeBackend("router", first), FakeBackend("legacy", second))
    with pytest.raises(ProvidersFailed) as caught:
        await ask(c, agent)
    assert caught.value.reasons == (("foundry", first.code), ("legacy", second.code))
    assert first.code in caught.value.message and second.code in caught.value.message


@settings(max_examples=40, deadline=None)
@given(
    agent=agents,
    mode=st.sampled_from(["foundry", "legacy", "canary"]),
    percentage=st.integers(0, 100),
    creator=st.text(min_size=1, max_size=20),
)
async def test_every_answer_carries_complete_metadata(
    agent: Agent, mode: str, percentage: int, creator: str
) -> None:
    c = coordinator(FakeBackend("router"), FakeBackend("legacy"), mode=mode, percentage=percentage)
    meta = metadata(await ask(c, agent, creator))
    assert set(meta) == {
        "provider",
        "agent",
        "model",
        "deployment",
        "region",
        "correlation_id",
        "latency_ms",
        "fallback_used",
        "fallback_reason",
        "tokens",
        "cost_usd",
    }
    assert meta["agent"] == agent.name and meta["correlation_id"] == "cid"
    assert all(meta[k] for k in ("provider", "model", "deployment", "region"))
    assert meta["tokens"] == {"prompt": 10, "completion": 5, "total": 15}
    assert meta["cost_usd"] > 0 and meta["latency_ms"] >= 0
    assert meta["fallback_used"] is False and meta["fallback_reason"] is None


@pytest.mark.parametrize(
    "garbage",
    ["Sure! It's fine.", '{"is_compliant": true', "", '```json\n{"is_compliant": "yes"}\n```'],
)
async def test_compliance_fails_closed_and_the_bad_answer_counts_against_the_provider(
    garbage: str,
) -> None:
    foundry = FakeBackend("router", text=garbage)
    legacy = FakeBackend("legacy", text=garbage)
    c = coordinator(foundry, legacy)
    with pytest.raises(ProvidersFailed) as caught:
        await ask(c, AGENTS["compliance"])
    assert caught.value.reasons == (
        ("foundry", "agent_output_invalid"),
        ("legacy", "agent_output_invalid"),
    )
    snap = c._foundry.snapshot()
    assert snap["failures_in_window"] == 1
    assert foundry.calls == 1  # a bad answer is not retried


async def test_a_bad_compliance_answer_from_foundry_is_answered_by_legacy() -> None:
    c = coordinator(FakeBackend("router", text="I think it's compliant"), FakeBackend("legacy"))
    answer = await ask(c, AGENTS["compliance"])
    assert answer.provider == "legacy"
    assert answer.fallback_reason == "agent_output_invalid"
