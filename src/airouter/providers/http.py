"""Providers that speak the OpenAI chat-completions wire format over HTTP.

One client class serves OpenAI-compatible servers (OpenAI, Mistral, DeepSeek,
vLLM, Ollama) and both Azure flavours; they differ only in the URL, the auth
header and where the model name goes, which `Endpoint` captures.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from airouter.config.model import Deployment
from airouter.errors import (
    ConfigError,
    InvalidRequest,
    UpstreamConnectionError,
    UpstreamError,
    classify_status,
)
from airouter.providers.base import ChatRequest, ChatResult, StreamChunk
from airouter.providers.transport import Target, Timeouts, Upstream
from airouter.providers.wire import parse_chunk, parse_completion
from airouter.resilience.retry import parse_retry_after

AZURE_INFERENCE_API_VERSION = "2024-05-01-preview"
AZURE_OPENAI_API_VERSION = "2024-10-21"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where and how to send a deployment's requests."""

    url: str
    headers: Mapping[str, str]
    body_model: str | None  # None: the model is in the URL (Azure OpenAI)


def endpoint_for(deployment: Deployment, api_key: str | None) -> Endpoint:
    base = (deployment.endpoint or "").rstrip("/")
    if deployment.provider == "openai":
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        return Endpoint(f"{base}/chat/completions", headers, deployment.model)
    headers = {"api-key": api_key or ""}
    if deployment.azure_api == "openai":
        version = deployment.api_version or AZURE_OPENAI_API_VERSION
        url = f"{base}/openai/deployments/{deployment.model}/chat/completions?api-version={version}"
        return Endpoint(url, headers, None)
    version = deployment.api_version or AZURE_INFERENCE_API_VERSION
    return Endpoint(
        f"{base}/models/chat/completions?api-version={version}", headers, deployment.model
    )


class HttpChatProvider:
    """A deployment reached over HTTP through the shared `Upstream` (one connection pool)."""

    def __init__(self, deployment: Deployment, upstream: Upstream, api_key: str | None):
        if api_key is not None and ("\n" in api_key or "\r" in api_key):
            # Often a key file's trailing newline. The header could not be sent: said
            # once at startup, naming the variable, never the key.
            raise ConfigError(
                f"deployment {deployment.name!r}: the API key in {deployment.api_key_env} "
                "contains a line break"
            )
        self._deployment = deployment
        self._upstream = upstream
        self._endpoint = endpoint_for(deployment, api_key)
        t = deployment.timeout
        self._target = Target(
            deployment.name,
            self._endpoint.url,
            {**self._endpoint.headers, "Content-Type": "application/json"},
            Timeouts(connect=t.connect, first_byte=t.first_byte, total=t.total),
        )

    @property
    def deployment(self) -> Deployment:
        return self._deployment

    @property
    def gives_up_within(self) -> float:
        """Its own time limit (`base.own_time_limit`): the deployment's total timeout,
        which the upstream keeps to the millisecond (`transport.Timeouts`)."""
        return self._deployment.timeout.total

    async def complete(self, request: ChatRequest) -> ChatResult:
        body = self._body(request, stream=False)
        reply = await self._upstream.post(self._target, body, _headers(request))
        if reply.status >= 400:
            raise self._status_error(reply.status, reply.headers)
        return parse_completion(self._deployment.name, reply.body)

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamChunk]:
        # The upstream enforces the total timeout without a scope held across a `yield`
        # (transport._Expiry): whoever consumes this generator may do it from another task.
        body = self._body(request, stream=True)
        name = self._deployment.name
        async with self._upstream.stream(self._target, body, _headers(request)) as reply:
            if reply.status >= 400:
                raise self._status_error(reply.status, reply.headers)
            async for line in reply.lines:
                data = line[5:].strip() if line.startswith(b"data:") else None
                if data == b"[DONE]":
                    return
                chunk = parse_chunk(name, data) if data else None
                if chunk is not None:
                    yield chunk
            raise UpstreamConnectionError(f"{name}: stream ended before [DONE]", deployment=name)

    def _body(self, request: ChatRequest, stream: bool) -> bytes:
        body: dict[str, Any] = dict(request.extra)
        body["messages"] = list(request.messages)
        if self._endpoint.body_model is not None:
            body["model"] = self._endpoint.body_model
        if request.max_tokens is not None:
            body["max_tokens"] = request.max_tokens
        if request.temperature is not None:
            body["temperature"] = request.temperature
        if request.response_format is not None:
            body["response_format"] = request.response_format
        if stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        try:
            return orjson.dumps(body)
        except orjson.JSONEncodeError:
            # e.g. a lone UTF-16 surrogate in the caller's text: their input, not our fault.
            raise InvalidRequest("the request contains text that is not valid Unicode") from None

    def _status_error(self, status: int, headers: Mapping[str, str]) -> UpstreamError:
        name = self._deployment.name
        # The upstream's body is deliberately not included: it may carry details
        # (keys, internal hosts) that must not reach clients.
        return classify_status(status)(
            f"{name} answered HTTP {status}",
            deployment=name,
            upstream_status=status,
            retry_after=parse_retry_after(headers, time.time()),
        )


def _headers(request: ChatRequest) -> Mapping[str, str]:
    """The headers of this request alone, on top of the deployment's."""
    return {"X-Correlation-ID": request.correlation_id} if request.correlation_id else {}
