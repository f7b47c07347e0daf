"""HTTP providers against httpx's in-process MockTransport (the transport seam)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from airouter.config.model import Deployment
from airouter.errors import (
    InvalidRequest,
    UpstreamBadResponse,
    UpstreamConnectionError,
    UpstreamError,
    UpstreamRateLimited,
    UpstreamRejected,
    UpstreamServerError,
    UpstreamTimeout,
)
from airouter.providers.base import ChatRequest, StreamChunk
from airouter.providers.http import HttpChatProvider

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


def deployment(**overrides: object) -> Deployment:
    base: dict[str, object] = {
        "name": "d",
        "provider": "openai",
        "model": "gpt-x",
        "endpoint": "https://up.test/v1",
        "api_key_env": "K",
    }
    return Deployment.model_validate({**base, **overrides})


def provider(
    handler: Callable[[httpx.Request], httpx.Response], **overrides: object
) -> HttpChatProvider:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return HttpChatProvider(deployment(**overrides), client, "sekret")


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
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=COMPLETION)

    result = await provider(handler, **overrides).complete(REQUEST)
    assert (result.content, result.usage.prompt_tokens, result.usage.completion_tokens) == (
        "hi",
        7,
        2,
    )
    sent = seen[0]
    assert str(sent.url) == url
    assert sent.headers[auth_header[0]] == auth_header[1]
    assert sent.headers["x-correlation-id"] == "cid-1"
    body = json.loads(sent.content)
    assert body.get("model") == body_model
    assert body["max_tokens"] == 5


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
    p = provider(lambda _: httpx.Response(status, json=body, headers=headers))
    with pytest.raises(error) as caught:
        await p.complete(REQUEST)
    assert caught.value.upstream_status == status
    assert caught.value.retry_after == retry_after
    assert "upstream-secret-detail" not in str(caught.value)
    assert "sk-live" not in str(caught.value)


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (httpx.Response(200, content=b"{not json"), UpstreamBadResponse),
        (httpx.Response(200, json={"choices": []}), UpstreamBadResponse),
        (httpx.Response(200, json=[1, 2]), UpstreamBadResponse),
    ],
)
async def test_malformed_answers_are_the_upstreams_fault(
    response: httpx.Response, error: type[UpstreamError]
) -> None:
    with pytest.raises(error) as caught:
        await provider(lambda _: response).complete(REQUEST)
    assert caught.value.provider_fault


@pytest.mark.parametrize(
    ("exc", "error"),
    [
        (httpx.ConnectError("refused"), UpstreamConnectionError),
        (httpx.ReadTimeout("slow"), UpstreamTimeout),
        (httpx.RemoteProtocolError("reset"), UpstreamConnectionError),
    ],
)
async def test_transport_failures_become_transient_upstream_errors(
    exc: Exception, error: type[UpstreamError]
) -> None:
    def handler(_: httpx.Request) -> httpx.Response:
        raise exc

    with pytest.raises(error) as caught:
        await provider(handler).complete(REQUEST)
    assert caught.value.transient and caught.value.provider_fault


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
    seen: list[httpx.Request] = []
    usage = json.dumps({"choices": [], "usage": {"prompt_tokens": 4, "completion_tokens": 2}})

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200,
            content=sse(chunk("Hel"), chunk("lo"), chunk(None, "stop"), usage, "[DONE]"),
            headers={"content-type": "text/event-stream"},
        )

    chunks = [c async for c in provider(handler).stream(REQUEST)]
    assert "".join(c.delta for c in chunks) == "Hello"
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 6
    assert json.loads(seen[0].content)["stream_options"] == {"include_usage": True}


async def test_a_stream_that_ends_without_done_is_a_connection_error() -> None:
    p = provider(lambda _: httpx.Response(200, content=sse(chunk("Hel"))))
    with pytest.raises(UpstreamConnectionError, match="before \\[DONE\\]"):
        async for _ in p.stream(REQUEST):
            pass


async def test_a_stream_refused_with_429_raises_before_any_chunk() -> None:
    p = provider(lambda _: httpx.Response(429, headers={"Retry-After": "2"}))
    with pytest.raises(UpstreamRateLimited):
        async for _ in p.stream(REQUEST):
            pass


class SlowBody(httpx.AsyncByteStream):
    """A streamed body whose chunks arrive `gap` seconds apart."""

    def __init__(self, chunks: list[bytes], gap: float) -> None:
        self.chunks = chunks
        self.gap = gap

    async def __aiter__(self):  # type: ignore[no-untyped-def]
        for c in self.chunks:
            await asyncio.sleep(self.gap)
            yield c


def slow_stream_provider(total: float, gap: float) -> HttpChatProvider:
    body = [sse(chunk(f"w{i} ")) for i in range(50)]
    timeout = {"connect": total, "first_byte": total, "total": total}
    return provider(lambda _: httpx.Response(200, stream=SlowBody(body, gap)), timeout=timeout)


async def test_a_stream_past_its_total_timeout_ends_with_a_timeout_error() -> None:
    chunks = aiter(slow_stream_provider(total=0.15, gap=0.02).stream(REQUEST))
    assert (await anext(chunks)).delta == "w0 "
    with pytest.raises(UpstreamTimeout):
        await drain(chunks)


async def test_a_stream_consumed_from_another_task_never_cancels_the_opening_task() -> None:
    # Starlette opens the stream in the request task and reads it in another one.
    chunks = aiter(slow_stream_provider(total=0.15, gap=0.02).stream(REQUEST))
    await anext(chunks)

    async def drain() -> str:
        try:
            async for _ in chunks:
                pass
        except UpstreamTimeout:
            return "timed out"
        return "finished"

    assert await asyncio.create_task(drain()) == "timed out"
    await asyncio.sleep(0.2)  # had the timeout been bound to this task, we'd be cancelled


async def test_a_complete_call_past_its_total_timeout_is_a_timeout() -> None:
    async def handler(_: httpx.Request) -> httpx.Response:
        await asyncio.sleep(1)
        return httpx.Response(200, json=COMPLETION)

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    d = deployment(timeout={"connect": 0.05, "first_byte": 0.05, "total": 0.05})
    with pytest.raises(UpstreamTimeout):
        await HttpChatProvider(d, client, "k").complete(REQUEST)


async def drain(chunks: AsyncIterator[StreamChunk]) -> int:
    return len([c async for c in chunks])


async def test_a_body_its_content_encoding_cannot_explain_is_a_bad_response() -> None:
    def handler(_: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, stream=httpx.ByteStream(b"not gzip at all"), headers={"content-encoding": "gzip"}
        )

    with pytest.raises(UpstreamBadResponse):
        await provider(handler).complete(REQUEST)


async def test_a_chunk_whose_choices_is_not_a_list_is_a_bad_response() -> None:
    p = provider(lambda _: httpx.Response(200, content=sse('{"choices": {"0": 1}}', "[DONE]")))
    with pytest.raises(UpstreamBadResponse):
        await drain(p.stream(REQUEST))


async def test_negative_usage_never_becomes_a_negative_cost() -> None:
    body = {**COMPLETION, "usage": {"prompt_tokens": -5, "completion_tokens": -1}}
    result = await provider(lambda _: httpx.Response(200, json=body)).complete(REQUEST)
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (0, 0)


async def test_text_that_is_not_valid_unicode_is_the_callers_error() -> None:
    bad = ChatRequest([{"role": "user", "content": "hi \ud800"}])
    with pytest.raises(InvalidRequest):
        await provider(lambda _: httpx.Response(200, json=COMPLETION)).complete(bad)
