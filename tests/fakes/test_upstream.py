"""The fake upstream speaks the OpenAI and Azure wire formats, over real sockets.

Each test talks to the fake running as a subprocess, with httpx or the official SDK.
"""

from __future__ import annotations

import json
import signal
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jsonschema
import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam

from tests.fakes.control import FakeUpstream
from tests.fakes.wire import SECRET_DETAIL
from tests.support.procs import ProcessStartError, redis_command, start_process

pytestmark = pytest.mark.integration

API_VERSION = "2024-10-21"
QUESTION = "What is the capital of France, and why is it Paris?"
MESSAGES: list[ChatCompletionMessageParam] = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": QUESTION},
]
ECHO = "echo: " + QUESTION[:40]
CHAT = {"model": "gpt-4o-mini", "messages": MESSAGES}


@pytest.fixture
async def http(fake_upstream: FakeUpstream) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=fake_upstream.url, trust_env=False) as client:
        yield client


@pytest.fixture
async def sdk(fake_upstream: FakeUpstream) -> AsyncIterator[openai.AsyncOpenAI]:
    base = fake_upstream.openai_base_url
    async with openai.AsyncOpenAI(base_url=base, api_key="sk-test", max_retries=0) as client:
        yield client


@pytest.fixture
async def azure(fake_upstream: FakeUpstream) -> AsyncIterator[openai.AsyncAzureOpenAI]:
    async with openai.AsyncAzureOpenAI(
        azure_endpoint=fake_upstream.url, api_version=API_VERSION, api_key="az-key", max_retries=0
    ) as client:
        yield client


# --- wire formats -----------------------------------------------------------------------


async def test_openai_sdk_gets_a_completion_echoing_the_last_user_message(
    sdk: openai.AsyncOpenAI,
) -> None:
    answer = await sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    assert answer.object == "chat.completion"
    assert answer.model == "gpt-4o-mini"
    assert answer.choices[0].message.content == ECHO
    assert answer.choices[0].finish_reason == "stop"
    assert answer.usage is not None
    assert answer.usage.total_tokens == answer.usage.prompt_tokens + answer.usage.completion_tokens


async def test_azure_openai_sdk_calls_the_deployment_with_api_key_and_api_version(
    azure: openai.AsyncAzureOpenAI, fake_upstream: FakeUpstream
) -> None:
    answer = await azure.chat.completions.create(model="my-gpt4o", messages=MESSAGES)

    assert answer.model == "my-gpt4o"
    assert answer.choices[0].message.content == ECHO
    [seen] = fake_upstream.requests("my-gpt4o")
    assert seen["path"] == "/openai/deployments/my-gpt4o/chat/completions"
    assert seen["query"] == {"api-version": API_VERSION}
    assert seen["headers"]["api-key"] == "az-key"


async def test_foundry_endpoint_takes_the_model_from_the_body(
    http: httpx.AsyncClient, fake_upstream: FakeUpstream
) -> None:
    body = CHAT | {"model": "Mistral-Large-2411"}
    response = await http.post(
        "/models/chat/completions",
        params={"api-version": "2024-05-01-preview"},
        headers={"api-key": "foundry-key"},
        json=body,
    )

    assert response.status_code == 200
    assert response.json()["model"] == "Mistral-Large-2411"
    assert fake_upstream.hits() == {"Mistral-Large-2411": 1}


async def test_openai_sdk_streams_deltas_then_a_usage_chunk(sdk: openai.AsyncOpenAI) -> None:
    stream = await sdk.chat.completions.create(
        model="gpt-4o-mini",
        messages=MESSAGES,
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = [chunk async for chunk in stream]

    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == ECHO
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None


async def test_raw_stream_is_event_stream_ending_with_done(http: httpx.AsyncClient) -> None:
    response = await http.post("/v1/chat/completions", json=CHAT | {"stream": True})

    assert response.headers["content-type"].startswith("text/event-stream")
    events = [line for line in response.text.splitlines() if line]
    assert all(line.startswith("data: ") for line in events)
    assert events[-1] == "data: [DONE]"
    assert json.loads(events[0][6:])["object"] == "chat.completion.chunk"


async def test_json_schema_response_format_gets_schema_valid_json(sdk: openai.AsyncOpenAI) -> None:
    schema = {
        "type": "object",
        "properties": {
            "reply": {"type": "string", "maxLength": 20},
            "intent": {"type": "string", "enum": ["question", "complaint"]},
            "score": {"type": "number", "minimum": 0},
            "tags": {"type": "array", "items": {"$ref": "#/$defs/Tag"}, "minItems": 1},
        },
        "required": ["reply", "intent", "score", "tags"],
        "additionalProperties": False,
        "$defs": {"Tag": {"type": "object", "properties": {"name": {"type": "string"}}}},
    }
    answer = await sdk.chat.completions.create(
        model="gpt-4o-mini",
        messages=MESSAGES,
        response_format={"type": "json_schema", "json_schema": {"name": "a", "schema": schema}},
    )

    jsonschema.validate(json.loads(answer.choices[0].message.content or ""), schema)


async def test_json_object_response_format_gets_a_json_object(sdk: openai.AsyncOpenAI) -> None:
    answer = await sdk.chat.completions.create(
        model="gpt-4o-mini",
        messages=MESSAGES,
        response_format={"type": "json_object"},
    )

    assert isinstance(json.loads(answer.choices[0].message.content or ""), dict)


async def test_models_are_listed_in_the_openai_format(
    sdk: openai.AsyncOpenAI, fake_upstream: FakeUpstream
) -> None:
    fake_upstream.script("custom-model", {"content": "hi"})

    ids = [model.id async for model in sdk.models.list()]

    assert "gpt-4o-mini" in ids
    assert "custom-model" in ids


# --- errors and auth --------------------------------------------------------------------


async def test_scripted_error_has_openai_error_shape_and_headers(
    http: httpx.AsyncClient, fake_upstream: FakeUpstream
) -> None:
    fake_upstream.script("gpt-4o-mini", {"status": 503, "headers": {"Retry-After": "1"}})

    response = await http.post("/v1/chat/completions", json=CHAT)

    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert SECRET_DETAIL in error["message"]


@pytest.mark.parametrize(
    ("status", "exception"),
    [
        (400, openai.BadRequestError),
        (404, openai.NotFoundError),
        (429, openai.RateLimitError),
        (500, openai.InternalServerError),
        (503, openai.InternalServerError),
    ],
)
async def test_sdk_maps_scripted_statuses_to_its_exceptions(
    sdk: openai.AsyncOpenAI,
    fake_upstream: FakeUpstream,
    status: int,
    exception: type[openai.APIStatusError],
) -> None:
    fake_upstream.script("gpt-4o-mini", {"status": status})

    with pytest.raises(exception) as caught:
        await sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    assert caught.value.status_code == status
    assert SECRET_DETAIL in caught.value.message


async def test_scripted_body_replaces_the_error_body(
    http: httpx.AsyncClient, fake_upstream: FakeUpstream
) -> None:
    fake_upstream.script("gpt-4o-mini", {"status": 502, "body": "<html>Bad Gateway</html>"})

    response = await http.post("/v1/chat/completions", json=CHAT)

    assert (response.status_code, response.text) == (502, "<html>Bad Gateway</html>")


async def test_required_key_rejects_a_wrong_bearer_key(
    sdk: openai.AsyncOpenAI, fake_upstream: FakeUpstream
) -> None:
    fake_upstream.require_key("sk-right")

    with pytest.raises(openai.AuthenticationError):
        await sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    right = sdk.with_options(api_key="sk-right")
    answer = await right.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    assert answer.choices[0].message.content == ECHO


@pytest.mark.parametrize(
    "path", ["/models/chat/completions", "/openai/deployments/gpt-4o-mini/chat/completions"]
)
async def test_required_key_is_read_from_api_key_on_azure_endpoints(
    http: httpx.AsyncClient, fake_upstream: FakeUpstream, path: str
) -> None:
    fake_upstream.require_key("az-right")
    params = {"api-version": API_VERSION}

    bearer_header = {"authorization": "Bearer az-right"}
    bearer = await http.post(path, params=params, headers=bearer_header, json=CHAT)
    right = await http.post(path, params=params, headers={"api-key": "az-right"}, json=CHAT)

    assert bearer.status_code == 401
    assert bearer.json()["error"]["code"] == "invalid_api_key"
    assert right.status_code == 200


@pytest.mark.parametrize(
    "path", ["/models/chat/completions", "/openai/deployments/gpt-4o-mini/chat/completions"]
)
async def test_azure_endpoints_refuse_a_request_without_api_version(
    http: httpx.AsyncClient, path: str
) -> None:
    response = await http.post(path, headers={"api-key": "az-key"}, json=CHAT)

    assert response.status_code == 400
    assert "api-version" in response.json()["error"]["message"]


# --- scripts ----------------------------------------------------------------------------


async def post_status(http: httpx.AsyncClient, model: str = "gpt-4o-mini") -> int:
    return (await http.post("/v1/chat/completions", json=CHAT | {"model": model})).status_code


async def test_script_is_fifo_then_falls_back_to_success(
    http: httpx.AsyncClient, fake_upstream: FakeUpstream
) -> None:
    fake_upstream.script("gpt-4o-mini", {"status": 429}, {"status": 500})

    assert [await post_status(http) for _ in range(3)] == [429, 500, 200]


async def test_repeat_keeps_serving_the_last_step(
    http: httpx.AsyncClient, fake_upstream: FakeUpstream
) -> None:
    fake_upstream.script("gpt-4o-mini", {"status": 200}, {"status": 503}, repeat=True)

    assert [await post_status(http) for _ in range(4)] == [200, 503, 503, 503]


async def test_wildcard_script_serves_models_without_their_own(
    http: httpx.AsyncClient, fake_upstream: FakeUpstream
) -> None:
    fake_upstream.script("*", {"status": 500}, repeat=True)
    fake_upstream.script("special", {"content": "mine"})

    assert await post_status(http, "any-model") == 500
    assert await post_status(http, "special") == 200
    assert await post_status(http, "special") == 500


async def test_scripted_content_replaces_the_echo(
    sdk: openai.AsyncOpenAI, fake_upstream: FakeUpstream
) -> None:
    fake_upstream.script("gpt-4o-mini", {"content": "Paris."})

    answer = await sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    assert answer.choices[0].message.content == "Paris."


async def test_unknown_step_kind_is_refused(fake_upstream: FakeUpstream) -> None:
    with pytest.raises(httpx.HTTPStatusError):
        fake_upstream.script("gpt-4o-mini", {"kind": "explode"})


# --- broken and slow upstreams ----------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True])
async def test_malformed_json_is_a_200_that_does_not_parse(
    http: httpx.AsyncClient, fake_upstream: FakeUpstream, stream: bool
) -> None:
    fake_upstream.script("gpt-4o-mini", {"kind": "malformed_json"})

    response = await http.post("/v1/chat/completions", json=CHAT | {"stream": stream})

    assert response.status_code == 200
    payload = response.text.removeprefix("data: ").split("\n")[0]
    with pytest.raises(json.JSONDecodeError):
        json.loads(payload)


async def test_slow_headers_delay_the_whole_response(
    http: httpx.AsyncClient, fake_upstream: FakeUpstream
) -> None:
    fake_upstream.script("gpt-4o-mini", {"kind": "slow_headers", "delay_ms": 300}, repeat=True)

    with pytest.raises(httpx.ReadTimeout):
        await http.post("/v1/chat/completions", json=CHAT, timeout=0.1)
    started = time.monotonic()
    response = await http.post("/v1/chat/completions", json=CHAT)

    assert response.status_code == 200
    assert time.monotonic() - started >= 0.3


async def test_slow_stream_spaces_out_the_chunks(
    http: httpx.AsyncClient, fake_upstream: FakeUpstream
) -> None:
    fake_upstream.script("gpt-4o-mini", {"kind": "slow_stream", "delay_ms": 50})
    lines: list[str] = []
    started = time.monotonic()

    await read_lines(http, CHAT | {"stream": True}, lines)

    events = [line for line in lines if line]
    assert events[-1] == "data: [DONE]"
    assert time.monotonic() - started >= 0.05 * (len(events) - 1)


async def read_lines(http: httpx.AsyncClient, body: dict[str, Any], into: list[str]) -> None:
    async with http.stream("POST", "/v1/chat/completions", json=body) as response:
        async for line in response.aiter_lines():
            into.append(line)


@pytest.mark.parametrize("stream", [False, True])
async def test_drop_mid_stream_closes_the_connection_before_the_end(
    http: httpx.AsyncClient, fake_upstream: FakeUpstream, stream: bool
) -> None:
    fake_upstream.script("gpt-4o-mini", {"kind": "drop_mid_stream"})
    received: list[str] = []

    with pytest.raises(httpx.RemoteProtocolError):
        await read_lines(http, CHAT | {"stream": stream}, received)

    assert "data: [DONE]" not in received


async def test_hang_never_answers_until_the_client_gives_up(
    http: httpx.AsyncClient, fake_upstream: FakeUpstream
) -> None:
    fake_upstream.script("gpt-4o-mini", {"kind": "hang"})

    with pytest.raises(httpx.ReadTimeout):
        await http.post("/v1/chat/completions", json=CHAT, timeout=0.2)

    assert fake_upstream.hits("gpt-4o-mini") == 1
    assert await post_status(http) == 200


# --- bookkeeping ------------------------------------------------------------------------


async def test_hits_count_every_arrival_including_errors(
    http: httpx.AsyncClient, fake_upstream: FakeUpstream
) -> None:
    fake_upstream.require_key("sk-right")
    fake_upstream.script("b", {"status": 500})

    for model in ("a", "b", "b"):
        await post_status(http, model)
    await http.post("/v1/chat/completions", content=b"not json")

    assert fake_upstream.hits() == {"a": 1, "b": 2, "<unknown>": 1}


async def test_requests_are_recorded_with_headers_body_and_monotonic_time(
    http: httpx.AsyncClient, fake_upstream: FakeUpstream
) -> None:
    before = time.monotonic()
    await http.post("/v1/chat/completions", json=CHAT, headers={"X-Correlation-ID": "corr-1"})

    [seen] = fake_upstream.requests("gpt-4o-mini")
    assert seen["headers"]["x-correlation-id"] == "corr-1"
    assert seen["json"] == CHAT
    assert (seen["method"], seen["path"], seen["query"]) == ("POST", "/v1/chat/completions", {})
    assert before <= seen["time"] <= time.monotonic()


async def test_reset_forgets_scripts_keys_hits_and_records(
    http: httpx.AsyncClient, fake_upstream: FakeUpstream
) -> None:
    fake_upstream.script("gpt-4o-mini", {"status": 500})
    fake_upstream.require_key("sk-right")
    await post_status(http)

    fake_upstream.reset()

    assert (fake_upstream.hits(), fake_upstream.requests()) == ({}, [])
    assert await post_status(http) == 200


# --- the harness itself -----------------------------------------------------------------


def test_process_output_is_captured(fake_upstream: FakeUpstream) -> None:
    assert fake_upstream.process is not None
    assert "Uvicorn running on http://127.0.0.1" in fake_upstream.process.output()


def test_a_process_that_dies_reports_its_output_tail() -> None:
    args = [sys.executable, "-c", "print('boom at startup'); raise SystemExit(3)"]

    with pytest.raises(ProcessStartError, match="boom at startup"):
        start_process(args, ready_url="http://127.0.0.1:9/never")


def test_a_process_that_never_gets_ready_is_stopped() -> None:
    args = [sys.executable, "-c", "import time; print('sleeping'); time.sleep(60)"]

    with pytest.raises(ProcessStartError, match="not ready after"):
        start_process(args, ready_check=lambda: False, timeout=0.3)


def test_stopped_process_keeps_its_output() -> None:
    args = [sys.executable, "-c", "import time; print('hello'); time.sleep(60)"]
    with start_process(args) as proc:
        deadline = time.monotonic() + 5
        while "hello" not in proc.output() and time.monotonic() < deadline:
            time.sleep(0.02)

    assert proc.popen.returncode == -signal.SIGTERM
    assert "hello" in proc.output()


def test_redis_url_is_a_live_empty_database(redis_url: str) -> None:
    assert redis_command(redis_url, "SET", "key", "value") == b"+OK"
    assert redis_command(redis_url, "DBSIZE") == b":1"
