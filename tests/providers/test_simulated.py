from __future__ import annotations

import random

import jsonschema
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from airouter.config.model import Deployment
from airouter.errors import UpstreamServerError
from airouter.providers.base import ChatRequest
from airouter.providers.simulated import SimulatedProvider
from airouter.providers.tokens import count_text


def sim(failure_rate: float = 0.0, seed: int = 1) -> tuple[SimulatedProvider, list[float]]:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    d = Deployment.model_validate(
        {
            "name": "sim",
            "provider": "simulated",
            "model": "Sim-1",
            "simulation": {
                "latency_ms_median": 50,
                "latency_ms_p95": 100,
                "failure_rate": failure_rate,
            },
        }
    )
    return SimulatedProvider(d, rng=random.Random(seed), sleep=sleep), slept


def ask(text: str, **kw: object) -> ChatRequest:
    return ChatRequest(
        [{"role": "system", "content": "be nice"}, {"role": "user", "content": text}], **kw
    )  # type: ignore[arg-type]


async def test_the_same_prompt_always_gets_the_same_answer_with_real_token_counts() -> None:
    a, _ = sim(seed=1)
    b, _ = sim(seed=2)
    first = await a.complete(ask("How do I price a photo set?"))
    second = await b.complete(ask("How do I price a photo set?"))
    other = await a.complete(ask("Write a poem about rain"))
    assert first.content == second.content != other.content
    assert first.usage.completion_tokens == count_text(first.content) > 0
    assert first.usage.prompt_tokens > count_text("How do I price a photo set?")


async def test_latency_follows_the_configured_distribution_through_the_injected_sleep() -> None:
    p, slept = sim()
    for _ in range(400):
        await p.complete(ask("hi"))
    slept.sort()
    assert 0.040 <= slept[200] <= 0.060  # median ≈ 50 ms
    assert 0.080 <= slept[380] <= 0.125  # p95 ≈ 100 ms


async def test_failures_happen_at_the_configured_rate() -> None:
    p, _ = sim(failure_rate=0.3)
    errors: list[UpstreamServerError] = []
    for _ in range(1000):
        try:
            await p.complete(ask("hi"))
        except UpstreamServerError as exc:
            errors.append(exc)
    assert 240 <= len(errors) <= 360
    assert all(e.transient and e.upstream_status == 503 for e in errors)


SCHEMA = {
    "type": "object",
    "properties": {
        "is_compliant": {"type": "boolean"},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "violations": {"type": "array", "items": {"$ref": "#/$defs/violation"}},
        "severity": {"enum": ["low", "high"]},
        "alternative": {"type": ["string", "null"], "maxLength": 20},
    },
    "required": ["is_compliant", "confidence", "violations", "severity"],
    "additionalProperties": False,
    "$defs": {
        "violation": {
            "type": "object",
            "properties": {
                "type": {"type": "string", "minLength": 3},
                "count": {"type": "integer"},
            },
            "required": ["type", "count"],
        }
    },
}


@given(st.text(min_size=1, max_size=200))
async def test_json_schema_response_format_returns_a_schema_valid_object(prompt: str) -> None:
    p, _ = sim()
    fmt = {"type": "json_schema", "json_schema": {"name": "x", "schema": SCHEMA}}
    result = await p.complete(ask(prompt, response_format=fmt))
    jsonschema.validate(orjson.loads(result.content), SCHEMA)


async def test_streaming_yields_the_same_text_as_complete_and_ends_with_usage() -> None:
    p, _ = sim()
    full = await p.complete(ask("Tell me about the tides"))
    chunks = [c async for c in p.stream(ask("Tell me about the tides"))]
    assert "".join(c.delta for c in chunks) == full.content
    assert chunks[-1].finish_reason == "stop"
    assert chunks[-1].usage == full.usage


@pytest.mark.parametrize("max_tokens", [1, 3, 8])
async def test_max_tokens_truncates_and_reports_length(max_tokens: int) -> None:
    p, _ = sim()
    result = await p.complete(ask("Explain the offside rule in football", max_tokens=max_tokens))
    assert result.finish_reason == "length"
    assert result.usage.completion_tokens <= max_tokens
