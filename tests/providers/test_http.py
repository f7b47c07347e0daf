"""HTTP providers against an in-process fake of the `Upstream` seam (no sockets).

What the seam itself does over real sockets (timeouts, errors, pooling, cookies,
redirects) is proved in test_transport.py.
"""

from __future__ import annotations

import json
import math
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest

from airouter.config.model import Deployment
from airouter.errors import (
    ConfigError,
    InvalidRequest,
    UpstreamBadResponse,
    UpstreamConnectionError,
    UpstreamError,
    UpstreamRateLimited,
    UpstreamRejected,
    UpstreamServerError,
    UpstreamTimeout,
)
from airouter.providers.base import ChatRequest, StreamChunk, own_time_limit
from airouter.providers.http import HttpChatProvider
from airouter.providers.transport import Target, UpstreamReply, UpstreamStream

COMPLETION = {
    "id": "x",
    "object": "chat.completion",
    "created": 1,
    "model": "m",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}
    ],
    "usage": {"prompt_tokens": 7, "completion_tokens": 2, "total_tokens": 9},
}
REQUEST = ChatRequest([{"role": "user", "content": "hello"}], max_tokens=5, correlation_id="cid-1")


@dataclass(frozen=True)
class Sent:
    """One request as the seam received it; header names lower-cased."""

    target: Target
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> dict[str, object]:
        found: dict[str, object] = json.loads(self.body)
        return found


Answer = Callable[[Sent], UpstreamReply]


class ScriptedUpstream:
    """The `Upstream` seam in-process: records each request and answers `answer(sent)`.

    `answer` may raise, as the real seam does, one of the project's upstream errors.
    A stream's body is split into lines; `released` counts streams let go of.
    """

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.sent: list[Sent] = []
        self.released = 0

    async def post(self, target: Target, body: bytes, headers: Mapping[str, str]) -> UpstreamReply:
        merged = {k.lower(): v for k, v in {**target.headers, **headers}.items()}
        sent = Sent(target, merged, body)
        self.sent.append(sent)
        return self.answer(sent)

    @asynccontextmanager
    async def stream(
        self, target: Target, body: bytes, headers: Mapping[str, str]
    ) -> AsyncIterator[UpstreamStream]:
        reply = await self.post(target, body, headers)
        lines = reply.body.split(b"\n") if reply.status < 400 else []
        try:
            yield UpstreamStream(reply.status, reply.headers, _each(lines))
        finally:
            self.released += 1


async def _each(lines: list[bytes]) -> AsyncIterator[bytes]:
    for line in lines:
        yield line


def reply(status: int = 200, body: object = COMPLETION, **headers: str) -> UpstreamReply:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return UpstreamReply(status, headers, raw)


def deployment(**overrides: object) -> Deployment:
    base: dict[str, object] = {
        "name": "d",
        "provider": "openai",
        "model": "gpt-x",
        "endpoint": "https://up.test/v1",
        "api_key_env": "K",
    }
    return Deployment.model_validate({**base, **overrides})


def provider(upstream: ScriptedUpstream, **overrides: object) -> HttpChatProvider:
    return HttpChatProvider(deployment(**overrides), upstream, "sekret")


def answering(answer: Answer, **overrides: object) -> HttpChatProvider:
    return provider(ScriptedUpstream(answer), **overrides)


@pytest.mark.parametrize(
    ("overrides", "url", "auth_header", "body_model"),
    [
        ({}, "https://up.test/v1/chat/completions", ("authorization", "Bearer sekret"), "gpt-x"),
        (
            {"provider": "azure", "endpoint": "https://f.services.ai.azure.com"},
            "https://f.services.ai.azure.com/models/chat/completions?api-version=2024-05-01-preview",
            ("api-key", "sekret"),
            "gpt-x",
        ),
        (
            {
                "provider": "azure",
                "azure_api": "openai",
                "endpoint": "https://r.openai.azure.com",
                "api_version": "2024-06-01",
            },
            "https://r.openai.azure.com/openai/deployments/gpt-x/chat/completions"
            "?api-version=2024-06-01",
            ("api-key", "sekret"),
            None,
        ),
    ],
)
async def test_each_provider_kind_speaks_its_wire_format(
    overrides: dict[str, object], url: str, auth_header: tuple[str, str], body_model: str | None
) -> None:
    upstream = ScriptedUpstream(lambda _: reply())
    result = await provider(upstream, **overrides).complete(REQUEST)
    assert (result.content, result.usage.prompt_tokens, result.usage.completion_tokens) == (
        "hi",
        7,
        2,
    )
    sent = upstream.sent[0]
    assert sent.target.url == url
    assert sent.headers[auth_header[0]] == auth_header[1]
    assert sent.headers["content-type"] == "application/json"
    assert sent.headers["x-correlation-id"] == "cid-1"
    body = sent.json()
    assert body.get("model") == body_model
    assert body["max_tokens"] == 5


async def test_the_deployments_name_and_timeouts_go_with_every_request() -> None:
    upstream = ScriptedUpstream(lambda _: reply())
    timeout = {"connect": 1.0, "first_byte": 2.0, "total": 3.0}
    await provider(upstream, timeout=timeout).complete(REQUEST)
    t = upstream.sent[0].target
    assert t.name == "d"
    assert (t.timeouts.connect, t.timeouts.first_byte, t.timeouts.total) == (1.0, 2.0, 3.0)


def test_it_declares_the_deployments_total_as_the_time_it_gives_up_within() -> None:
    # The router bounds a call with the request's deadline only when this limit
    # could outlast it (router.service), so it must be the total the upstream keeps.
    p = provider(ScriptedUpstream(lambda _: reply()), timeout={"first_byte": 5.0, "total": 7.5})
    assert own_time_limit(p) == 7.5


@pytest.mark.parametrize("declared", [0, -1.0, math.inf, True, "60", None])
def test_a_declared_limit_that_is_no_limit_is_not_trusted(declared: object) -> None:
    # Zero (aiohttp's "no timeout"), infinity, a flag or a string bound nothing: the
    # router keeps its own deadline scope around such a provider.
    class Declares:
        gives_up_within = declared

    assert own_time_limit(Declares()) is None  # type: ignore[arg-type]


@pytest.mark.parametrize("key", ["sk-abc\n", "sk-abc\r\nX-Admin: 1"])
def test_an_api_key_with_a_line_break_is_refused_at_startup_naming_only_its_variable(
    key: str,
) -> None:
    with pytest.raises(ConfigError) as caught:
        HttpChatProvider(
            deployment(api_key_env="MODEL_KEY"), ScriptedUpstream(lambda _: reply()), key
        )
    assert "MODEL_KEY" in str(caught.value) and "sk-abc" not in str(caught.value)


async def test_a_request_without_a_correlation_id_sends_none() -> None:
    upstream = ScriptedUpstream(lambda _: reply())
    await provider(upstream).complete(ChatRequest([{"role": "user", "content": "hello"}]))
    assert "x-correlation-id" not in upstream.sent[0].headers


@pytest.mark.parametrize(
    ("status", "headers", "error", "retry_after"),
    [
        (429, {"Retry-After": "3"}, UpstreamRateLimited, 3.0),
        (429, {"retry-after-ms": "1500"}, UpstreamRateLimited, 1.5),
        (503, {}, UpstreamServerError, None),
        (500, {}, UpstreamServerError, None),
        (408, {}, UpstreamTimeout, None),
        (400, {}, UpstreamRejected, None),
        (401, {}, UpstreamRejected, None),
    ],
)
async def test_upstream_statuses_keep_their_meaning_and_hide_the_upstream_text(
    status: int, headers: dict[str, str], error: type[UpstreamError], retry_after: float | None
) -> None:
    body = {"error": {"message": "upstream-secret-detail sk-live-123", "type": "x"}}
    p = answering(lambda _: reply(status, body, **headers))
    with pytest.raises(error) as caught:
        await p.complete(REQUEST)
    assert caught.value.upstream_status == status
    assert caught.value.retry_after == retry_after
    assert "upstream-secret-detail" not in str(caught.value)
    assert "sk-live" not in str(caught.value)


@pytest.mark.parametrize(
    "answer",
    [reply(body=b"{not json"), reply(body={"choices": []}), reply(body=[1, 2])],
)
async def test_malformed_answers_are_the_upstreams_fault(answer: UpstreamReply) -> None:
    with pytest.raises(UpstreamBadResponse) as caught:
        await answering(lambda _: answer).complete(REQUEST)
    assert caught.value.provider_fault


@pytest.mark.parametrize(
    "error",
    [
        UpstreamConnectionError("d unreachable (ClientConnectorError)", deployment="d"),
        UpstreamTimeout("d timed out", deployment="d"),
        UpstreamBadResponse("d sent an unreadable response", deployment="d"),
    ],
)
@pytest.mark.parametrize("streamed", [False, True])
async def test_transport_failures_reach_the_caller_unchanged(
    error: UpstreamError, streamed: bool
) -> None:
    def fail(_: Sent) -> UpstreamReply:
        raise error

    p = answering(fail)
    with pytest.raises(type(error)) as caught:
        await (drain(p.stream(REQUEST)) if streamed else p.complete(REQUEST))
    assert caught.value is error


def sse(*events: str) -> bytes:
    return "".join(f"data: {e}\n\n" for e in events).encode()


def chunk(content: str | None = None, finish: str | None = None) -> str:
    delta = {"content": content} if content is not None else {}
    return json.dumps(
        {
            "object": "chat.completion.chunk",
            "model": "m",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
    )


async def test_a_stream_yields_deltas_then_usage_and_asks_for_usage() -> None:
    usage = json.dumps({"choices": [], "usage": {"prompt_tokens": 4, "completion_tokens": 2}})
    body = sse(chunk("Hel"), chunk("lo"), chunk(None, "stop"), usage, "[DONE]")
    upstream = ScriptedUpstream(lambda _: reply(body=body))
    chunks = [c async for c in provider(upstream).stream(REQUEST)]
    assert "".join(c.delta for c in chunks) == "Hello"
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 6
    sent = upstream.sent[0]
    assert sent.json()["stream_options"] == {"include_usage": True}
    assert sent.headers["x-correlation-id"] == "cid-1"
    assert upstream.released == 1


async def test_a_stream_that_ends_without_done_is_a_connection_error() -> None:
    upstream = ScriptedUpstream(lambda _: reply(body=sse(chunk("Hel"))))
    with pytest.raises(UpstreamConnectionError, match="before \\[DONE\\]"):
        await drain(provider(upstream).stream(REQUEST))
    assert upstream.released == 1


async def test_a_stream_refused_with_429_raises_before_any_chunk() -> None:
    upstream = ScriptedUpstream(lambda _: reply(429, b"", **{"Retry-After": "2"}))
    with pytest.raises(UpstreamRateLimited) as caught:
        await drain(provider(upstream).stream(REQUEST))
    assert caught.value.retry_after == 2.0
    assert upstream.released == 1


async def test_a_stream_its_reader_leaves_early_is_released() -> None:
    upstream = ScriptedUpstream(lambda _: reply(body=sse(chunk("a"), chunk("b"), "[DONE]")))
    chunks = provider(upstream).stream(REQUEST)
    assert isinstance(chunks, AsyncGenerator)
    assert (await anext(chunks)).delta == "a"
    await chunks.aclose()
    assert upstream.released == 1


async def test_a_chunk_whose_choices_is_not_a_list_is_a_bad_response() -> None:
    p = answering(lambda _: reply(body=sse('{"choices": {"0": 1}}', "[DONE]")))
    with pytest.raises(UpstreamBadResponse):
        await drain(p.stream(REQUEST))


async def test_a_chunk_that_is_not_utf8_is_a_bad_response() -> None:
    p = answering(lambda _: reply(body=b'data: {"choices": ["\xff"]}\n\n'))
    with pytest.raises(UpstreamBadResponse):
        await drain(p.stream(REQUEST))


async def drain(chunks: AsyncIterator[StreamChunk]) -> int:
    return len([c async for c in chunks])


async def test_negative_usage_never_becomes_a_negative_cost() -> None:
    body = {**COMPLETION, "usage": {"prompt_tokens": -5, "completion_tokens": -1}}
    result = await answering(lambda _: reply(body=body)).complete(REQUEST)
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (0, 0)


async def test_text_that_is_not_valid_unicode_is_the_callers_error() -> None:
    upstream = ScriptedUpstream(lambda _: reply())
    bad = ChatRequest([{"role": "user", "content": "hi \ud800"}])
    with pytest.raises(InvalidRequest):
        await provider(upstream).complete(bad)
    assert upstream.sent == []  # nothing went upstream
