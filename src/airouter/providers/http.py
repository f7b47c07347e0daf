"""Providers that speak the OpenAI chat-completions wire format over HTTP.

One client class serves OpenAI-compatible servers (OpenAI, Mistral, DeepSeek,
vLLM, Ollama) and both Azure flavours; they differ only in the URL, the auth
header and where the model name goes, which `Endpoint` captures.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from airouter.config.model import Deployment
from airouter.errors import (
    InvalidRequest,
    UpstreamBadResponse,
    UpstreamConnectionError,
    UpstreamError,
    UpstreamTimeout,
    classify_status,
)
from airouter.providers.base import ChatRequest, ChatResult, StreamChunk
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
    """A deployment reached over HTTP through the shared, pooled `httpx.AsyncClient`."""

    def __init__(self, deployment: Deployment, client: httpx.AsyncClient, api_key: str | None):
        self._deployment = deployment
        self._client = client
        self._endpoint = endpoint_for(deployment, api_key)
        self._url = httpx.URL(self._endpoint.url)  # parsed once, not per request
        t = deployment.timeout
        self._timeout = httpx.Timeout(
            connect=t.connect, read=t.first_byte, write=t.first_byte, pool=t.connect
        )

    @property
    def deployment(self) -> Deployment:
        return self._deployment

    async def complete(self, request: ChatRequest) -> ChatResult:
        async with self._errors(), asyncio.timeout(self._deployment.timeout.total):
            response = await self._open(request, stream=False)
            try:
                body = await response.aread()
            finally:
                await response.aclose()
        return parse_completion(self._deployment.name, body)

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamChunk]:
        # The total timeout bounds each step, never a `yield`: whoever consumes this
        # generator may do it from another task (Starlette streams do), and a timeout
        # held across a yield would cancel the wrong task.
        deadline = asyncio.get_running_loop().time() + self._deployment.timeout.total
        name = self._deployment.name
        async with self._errors():
            async with asyncio.timeout_at(deadline):
                response = await self._open(request, stream=True)
            try:
                lines = response.aiter_lines()
                while True:
                    async with asyncio.timeout_at(deadline):
                        line = await anext(lines, None)
                    if line is None:
                        raise UpstreamConnectionError(
                            f"{name}: stream ended before [DONE]", deployment=name
                        )
                    data = line[5:].strip() if line.startswith("data:") else None
                    if data == "[DONE]":
                        return
                    chunk = parse_chunk(name, data) if data else None
                    if chunk is not None:
                        yield chunk
            finally:
                await response.aclose()

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

    async def _open(self, request: ChatRequest, stream: bool) -> httpx.Response:
        """Send the request; a non-2xx answer is read, closed and raised as an error."""
        headers = {**self._endpoint.headers, "Content-Type": "application/json"}
        if request.correlation_id:
            headers["X-Correlation-ID"] = request.correlation_id
        http_request = self._client.build_request(
            "POST",
            self._url,
            content=self._body(request, stream),
            headers=headers,
            timeout=self._timeout,
        )
        response = await self._client.send(http_request, stream=True)
        if response.status_code >= 400:
            try:
                await response.aread()
            finally:
                await response.aclose()
            raise self._status_error(response)
        return response

    def _status_error(self, response: httpx.Response) -> UpstreamError:
        status = response.status_code
        name = self._deployment.name
        # The upstream's body is deliberately not included: it may carry details
        # (keys, internal hosts) that must not reach clients.
        return classify_status(status)(
            f"{name} answered HTTP {status}",
            deployment=name,
            upstream_status=status,
            retry_after=parse_retry_after(response.headers, time.time()),
        )

    @asynccontextmanager
    async def _errors(self) -> AsyncIterator[None]:
        """Translate everything the transport can raise into the error hierarchy."""
        name = self._deployment.name
        try:
            yield
        except (TimeoutError, httpx.TimeoutException):
            raise UpstreamTimeout(f"{name} timed out", deployment=name) from None
        except httpx.TransportError as exc:
            raise UpstreamConnectionError(
                f"{name} unreachable ({type(exc).__name__})", deployment=name
            ) from None
        except (httpx.HTTPError, orjson.JSONDecodeError, UnicodeDecodeError) as exc:
            # e.g. httpx.DecodingError: a body its Content-Encoding cannot explain.
            raise UpstreamBadResponse(
                f"{name} sent an unreadable response ({type(exc).__name__})", deployment=name
            ) from None
