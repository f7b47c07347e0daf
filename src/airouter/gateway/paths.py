"""The gateway's two paths to a model: `foundry` (through the router) and `legacy` (direct).

A backend makes one raw call; `GuardedPath` puts it under the path's deadline,
retries and breaker, and parses the agent's answer *inside* the guarded call, so
an unparseable answer counts against the provider like any other failure.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import orjson
import structlog
from pydantic import BaseModel

from airouter.errors import (
    AllDeploymentsFailed,
    InvalidRequest,
    RouterAuthFailed,
    UpstreamBadResponse,
    UpstreamRejected,
    UpstreamServerError,
    UpstreamTimeout,
    classify_status,
)
from airouter.gateway.agents import Agent
from airouter.providers.base import ChatRequest, Provider, Usage
from airouter.providers.transport import Target, Timeouts, Upstream
from airouter.providers.wire import parse_completion
from airouter.router.caller import ResilientCaller
from airouter.router.service import RouterService
from airouter.routing.signals import Hints


@dataclass(frozen=True, slots=True)
class AgentCall:
    agent: Agent
    request: BaseModel
    hints: Hints
    correlation_id: str

    def chat_request(self) -> ChatRequest:
        return ChatRequest(
            self.agent.messages(self.request),
            response_format=self.agent.response_format(),
            correlation_id=self.correlation_id,
        )


@dataclass(frozen=True, slots=True)
class RawAnswer:
    text: str
    model: str
    deployment: str
    region: str
    usage: Usage
    cost_usd: float


@dataclass(frozen=True, slots=True)
class PathAnswer:
    output: BaseModel
    raw: RawAnswer


log = structlog.get_logger("airouter.gateway")

# The router in this process gives up a little before the gateway's own deadline, so
# that its breakers see a hanging deployment, and its answer (a timeout) reaches the
# path before the deadline does.
_INNER_MARGIN = 0.05


class Backend(Protocol):
    """One way to the model. A backend that gives up by the deadline it is handed, on
    its own, says so with a true `keeps_deadline` attribute: its path then sets no
    deadline scope of its own around it (`GuardedPath`)."""

    async def complete(self, call: AgentCall, deadline: float) -> RawAnswer:
        """One raw call; `deadline` is absolute on `time.monotonic`."""
        ...


class InProcessRouter:
    """The foundry path when the router runs in this process."""

    def __init__(self, service: RouterService) -> None:
        self._service = service

    @property
    def keeps_deadline(self) -> bool:
        # The router bounds every deployment call by the deadline it is handed (a scope
        # of its own, or the deployment's total where that ends sooner). Planning is
        # bounded by it only when it asks no LLM classifier, whose call has its own
        # timeout (`classifier_timeout`), not this deadline.
        return self._service.plans_locally

    async def complete(self, call: AgentCall, deadline: float) -> RawAnswer:
        chat = call.chat_request()
        try:
            plan = await self._service.plan(chat.messages, call.hints)
            outcome = await self._service.complete(chat, plan, deadline - _INNER_MARGIN)
        except AllDeploymentsFailed as exc:
            # The router already retried and failed over; to the gateway this is
            # one provider failure, which its breaker must see -- unless every
            # deployment refused the request itself, which is no provider's fault.
            if exc.attempts and all(a.code == UpstreamRejected.code for a in exc.attempts):
                raise UpstreamRejected(
                    f"router: {exc.message}", deployment="router", upstream_status=400
                ) from None
            error = UpstreamTimeout if exc.http_status == 504 else UpstreamServerError
            raise error(
                f"router: {exc.message}",
                deployment="router",
                upstream_status=exc.http_status,
                retry_after=exc.retry_after,
            ) from None
        except InvalidRequest as exc:
            raise UpstreamRejected(
                f"router refused: {exc.message}", deployment="router", upstream_status=400
            ) from None
        d = outcome.deployment
        return RawAnswer(
            outcome.result.content,
            d.model,
            d.name,
            d.region,
            outcome.result.usage,
            outcome.cost_usd,
        )


class HttpRouter:
    """The foundry path to a remote router (`AI_ROUTER_URL`), sending `AI_ROUTER_API_KEY`."""

    keeps_deadline = True  # its own timeout scope, at the deadline

    def __init__(self, url: str, api_key: str | None, upstream: Upstream) -> None:
        headers = {"Content-Type": "application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        # No timeouts of its own: each call is bounded by the deadline it is given.
        self._target = Target(
            "router", f"{url.rstrip('/')}/v1/chat/completions", headers, Timeouts()
        )
        self._upstream = upstream

    def _body(self, call: AgentCall) -> bytes:
        chat = call.chat_request()
        hints = call.hints
        body: dict[str, Any] = {
            "model": "auto",
            "messages": list(chat.messages),
            "response_format": chat.response_format,
            "type_hint": hints.type,
            "client_tier": hints.tier,
        }
        if hints.language:
            body["language_hint"] = hints.language
        return orjson.dumps(body)

    async def complete(self, call: AgentCall, deadline: float) -> RawAnswer:
        headers = {"X-Correlation-ID": call.correlation_id}
        try:
            async with asyncio.timeout(max(deadline - time.monotonic(), 0.001)):
                reply = await self._upstream.post(self._target, self._body(call), headers)
        except TimeoutError:
            raise UpstreamTimeout("router timed out", deployment="router") from None
        status = reply.status
        if status in (401, 403):
            # Our own router refusing our key is a misconfiguration, not a caller's
            # mistake: it must count against the path and be loud in the log.
            log.error(
                "router_refused_key",
                status=status,
                detail="the router rejected AI_ROUTER_API_KEY; fix the gateway's key",
            )
            raise RouterAuthFailed(
                f"router refused our key (HTTP {status})",
                deployment="router",
                upstream_status=status,
            )
        if status >= 400:
            raise classify_status(status)(
                f"router answered HTTP {status}", deployment="router", upstream_status=status
            )
        return _raw_from_router(reply.body)


def _raw_from_router(body: bytes) -> RawAnswer:
    result = parse_completion("router", body)
    meta = orjson.loads(body).get("airouter")
    if not isinstance(meta, Mapping):
        raise UpstreamBadResponse("router answered without airouter metadata", deployment="router")
    return RawAnswer(
        result.content,
        str(meta.get("upstream_model", result.model)),
        str(meta.get("deployment", "")),
        str(meta.get("region", "")),
        result.usage,
        float(meta.get("cost_usd", 0.0)),
    )


class LegacyBackend:
    """The legacy path: the legacy deployment, called directly."""

    def __init__(self, provider: Provider) -> None:
        self._provider = provider

    async def complete(self, call: AgentCall, deadline: float) -> RawAnswer:
        # The guarded call's own deadline bounds this; the provider has its timeouts.
        result = await self._provider.complete(call.chat_request())
        d = self._provider.deployment
        cost = d.price.cost(result.usage.prompt_tokens, result.usage.completion_tokens)
        return RawAnswer(result.content, d.model, d.name, d.region, result.usage, cost)


class GuardedPath:
    """A backend under its own deadline, retries and circuit breaker (named after the path)."""

    def __init__(self, name: str, backend: Backend, caller: ResilientCaller) -> None:
        self.name = name
        self._backend = backend
        self._caller = caller
        self._keeps_deadline = getattr(backend, "keeps_deadline", False) is True

    async def run(self, call: AgentCall) -> PathAnswer:
        deadline = self._caller.deadline_from_now()

        async def attempt() -> PathAnswer:
            raw = await self._backend.complete(call, deadline)
            return PathAnswer(call.agent.parse(raw.text, deployment=raw.deployment), raw)

        return await self._caller.call(
            self.name,
            attempt,
            deadline=deadline,
            correlation_id=call.correlation_id,
            keeps_deadline=self._keeps_deadline,
        )

    def snapshot(self) -> dict[str, Any]:
        found: dict[str, Any] = self._caller.snapshot().get(self.name, {})
        return found


__all__ = [
    "AgentCall",
    "GuardedPath",
    "HttpRouter",
    "InProcessRouter",
    "LegacyBackend",
    "PathAnswer",
    "RawAnswer",
]
