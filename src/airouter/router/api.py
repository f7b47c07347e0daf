"""The router's HTTP endpoints: /health, /ready, /route, /v1/chat/completions, /v1/models."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
import structlog
from fastapi import APIRouter, Request
from starlette.responses import Response, StreamingResponse

from airouter.errors import AirouterError
from airouter.providers.base import ChatRequest, StreamChunk, Usage
from airouter.providers.tokens import count_messages, count_text
from airouter.router.schemas import ChatCompletionBody, RouteAnswer, RouteBody
from airouter.router.service import Outcome, Plan, RouterService
from airouter.web.bodies import read_body
from airouter.web.context import correlation_id_of, facts_of
from airouter.web.edge import served_directly
from airouter.web.errors import error_body
from airouter.web.responses import json_response

log = structlog.get_logger("airouter.router")


def routing_info(plan: Plan, skipped: tuple[Any, ...]) -> dict[str, Any]:
    r = plan.resolved
    return {
        "type": r.signals.type,
        "complexity": r.signals.complexity,
        "language": r.signals.language,
        "tier": r.signals.tier,
        "type_hint_applied": r.type_hint_applied,
        "language_hint_applied": r.language_hint_applied,
        "rule": plan.decision.rule,
        "chain": list(plan.decision.chain),
        "reason": f"rule {plan.decision.rule!r}: {r.reason}",
        "fallbacks": [a.as_dict() for a in skipped],
    }


def record(request: Request, plan: Plan, outcome: Outcome | None = None) -> None:
    """Put what the request log event reports into the request's facts."""
    facts = facts_of(request.scope)
    facts["tier"] = plan.resolved.signals.tier
    facts["rule"] = plan.decision.rule
    if outcome is not None:
        d = outcome.deployment
        usage = outcome.result.usage
        facts.update(
            model=d.model,
            deployment=d.name,
            region=d.region,
            tokens_in=usage.prompt_tokens,
            tokens_out=usage.completion_tokens,
            cost_usd=round(outcome.cost_usd, 8),
            fallbacks=len(outcome.skipped),
        )


Readiness = Callable[[], Awaitable[tuple[bool, dict[str, Any]]]]
"""Another part's readiness (the gateway's, in one process): (ready?, details)."""


def build_router_api(service: RouterService, also_ready: Readiness | None = None) -> APIRouter:
    api = APIRouter()

    @api.get("/health", tags=["ops"])
    async def health() -> Response:
        return json_response({"status": "ok"})

    @api.get("/ready", tags=["ops"])
    async def ready() -> Response:
        ok, extra = await also_ready() if also_ready else (True, {})
        payload = {"status": "ready" if ok else "degraded", **service.readiness(), **extra}
        return json_response(payload, 200 if ok else 503)

    @api.post("/route", response_model=RouteAnswer, tags=["routing"])
    @served_directly(RouteBody)
    async def route(request: Request) -> Response:
        started = time.perf_counter()
        cid = correlation_id_of(request.scope)
        body, _ = await read_body(request, RouteBody)
        messages = body.messages()
        plan = await service.plan(messages, body.hints())
        record(request, plan)
        chat = ChatRequest(messages, body.max_tokens, body.temperature, correlation_id=cid)
        outcome = await service.complete(chat, plan)
        record(request, plan, outcome)
        usage = outcome.result.usage
        return json_response(
            {
                "output": outcome.result.content,
                "model": outcome.deployment.model,
                "deployment": outcome.deployment.name,
                "region": outcome.deployment.region,
                "routing": routing_info(plan, outcome.skipped),
                "usage": _usage(usage),
                "latency_ms": round((time.perf_counter() - started) * 1000, 2),
                "cost_usd": round(outcome.cost_usd, 8),
                "correlation_id": cid,
            }
        )

    @api.post("/v1/chat/completions", tags=["openai"])
    @served_directly(ChatCompletionBody)
    async def chat_completions(request: Request) -> Response:
        cid = correlation_id_of(request.scope)
        body, raw = await read_body(request, ChatCompletionBody)
        # As the caller sent them (validated above), less explicit nulls, which some
        # upstreams reject ("name": null) where OpenAI's own clients leave them out.
        messages = [{k: v for k, v in m.items() if v is not None} for m in raw["messages"]]
        hints = body.hints()
        plan = (
            await service.plan(messages, hints)
            if body.model == "auto"
            else await service.pinned(body.model, messages, hints)
        )
        record(request, plan)
        chat = ChatRequest(
            messages,
            body.max_completion_tokens or body.max_tokens,
            body.temperature,
            body.response_format,
            body.passthrough(),
            cid,
        )
        if body.stream:
            return await _stream(service, request, plan, chat, body.include_usage())
        started = time.perf_counter()
        outcome = await service.complete(chat, plan)
        record(request, plan, outcome)
        return json_response(_completion(outcome, plan, cid, started))

    @api.get("/v1/models", tags=["openai"])
    async def models() -> Response:
        data = [{"id": "auto", "object": "model", "created": 0, "owned_by": "airouter"}]
        data += [
            {
                "id": d.name,
                "object": "model",
                "created": 0,
                "owned_by": d.provider,
                "upstream_model": d.model,
                "region": d.region,
            }
            for d in service.config.deployments
        ]
        return json_response({"object": "list", "data": data})

    return api


def _usage(usage: Usage) -> dict[str, int]:
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
    }


def _completion(outcome: Outcome, plan: Plan, cid: str, started: float) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{cid}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": outcome.deployment.name,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": outcome.result.content},
                "finish_reason": outcome.result.finish_reason,
            }
        ],
        "usage": _usage(outcome.result.usage),
        "airouter": {
            "deployment": outcome.deployment.name,
            "upstream_model": outcome.deployment.model,
            "region": outcome.deployment.region,
            "routing": routing_info(plan, outcome.skipped),
            "cost_usd": round(outcome.cost_usd, 8),
            "latency_ms": round((time.perf_counter() - started) * 1000, 2),
            "correlation_id": cid,
        },
    }


async def _stream(
    service: RouterService, request: Request, plan: Plan, chat: ChatRequest, include_usage: bool
) -> Response:
    # Failover happens inside service.stream, before the first chunk; errors
    # before that point become an ordinary JSON error response.
    opened = await service.stream(chat, plan)
    deployment = opened.deployment
    cid = chat.correlation_id
    base = {
        "id": f"chatcmpl-{cid}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": deployment.name,
    }

    def event(choices: list[dict[str, Any]], **extra: Any) -> bytes:
        return b"data: " + orjson.dumps({**base, "choices": choices, **extra}) + b"\n\n"

    facts = facts_of(request.scope)
    facts.update(
        model=deployment.model,
        deployment=deployment.name,
        region=deployment.region,
        fallbacks=len(opened.skipped),
    )

    async def body() -> AsyncIterator[bytes]:
        usage: Usage | None = None
        text_parts: list[str] = []
        outcome = "client_disconnected"  # unless the stream ends one of the ways below
        try:
            yield event(
                [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]
            )
            async for chunk in opened.chunks:
                usage = chunk.usage or usage
                text_parts.append(chunk.delta)
                if chunk.delta or chunk.finish_reason:
                    yield event([_choice(chunk)])
            if include_usage:
                yield event([], usage=_usage(usage or _estimate(chat, "".join(text_parts))))
            yield b"data: [DONE]\n\n"
            outcome = "complete"
        except AirouterError as exc:
            # Headers (200) are gone already: the error travels as the last event.
            outcome = exc.code
            log.warning("stream_broken", deployment=deployment.name, code=exc.code)
            yield b"data: " + error_body(502, exc.code, "the upstream stream broke", cid) + b"\n\n"
        except Exception:
            outcome = "internal_error"
            raise
        finally:
            await opened.chunks.aclose()  # the upstream connection goes back to the pool
            final = usage or _estimate(chat, "".join(text_parts))
            cost = deployment.price.cost(final.prompt_tokens, final.completion_tokens)
            facts.update(
                tokens_in=final.prompt_tokens,
                tokens_out=final.completion_tokens,
                cost_usd=round(cost, 8),
                stream=outcome,
            )

    return StreamingResponse(
        body(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Airouter-Deployment": deployment.name},
    )


def _choice(chunk: StreamChunk) -> dict[str, Any]:
    delta = {"content": chunk.delta} if chunk.delta else {}
    return {"index": 0, "delta": delta, "finish_reason": chunk.finish_reason}


def _estimate(chat: ChatRequest, text: str) -> Usage:
    return Usage(count_messages(chat.messages), count_text(text))
