"""The gateway's HTTP endpoints: the four agents under /api/ai, the canary under /api/admin."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from airouter.canary.view import CanaryView
from airouter.config.model import Tier
from airouter.errors import Conflict, InvalidRequest
from airouter.gateway.agents import resolve_agent
from airouter.gateway.coordinator import Coordinator, GatewayAnswer, metadata
from airouter.routing.signals import Hints
from airouter.web.bodies import read_json, validated
from airouter.web.context import correlation_id_of, facts_of
from airouter.web.edge import served_directly
from airouter.web.responses import json_response

# The four feature endpoints of DESIGN §5; any agent alias works too (/api/ai/fan_message).
FEATURE_PATHS = ("chat", "optimize-sales", "analytics", "compliance")


class CanaryCommand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["set", "promote", "rollback"]
    percentage: int | None = Field(None, ge=0, le=100)
    reason: str = Field(min_length=1, max_length=500)


def tier_of(request: BaseModel, plans: Mapping[str, Tier]) -> Tier:
    """`client_tier` wins; else the plan's tier; else standard. An unknown plan is an error."""
    tier: Tier | None = getattr(request, "client_tier", None)
    if tier is not None:
        return tier
    plan = getattr(request, "plan", None)
    if plan is None:
        return "standard"
    if plan.lower() not in plans:
        raise InvalidRequest(f"unknown plan {plan!r}; known plans: {', '.join(sorted(plans))}")
    return plans[plan.lower()]


def record(request: Request, answer: GatewayAnswer, tier: Tier) -> None:
    raw = answer.answer.raw
    facts_of(request.scope).update(
        model=raw.model,
        deployment=raw.deployment,
        region=raw.region,
        tokens_in=raw.usage.prompt_tokens,
        tokens_out=raw.usage.completion_tokens,
        cost_usd=round(raw.cost_usd, 8),
        tier=tier,
        provider=answer.provider,
        agent=answer.agent,
        fallback_used=answer.fallback_used,
        fallback_reason=answer.fallback_reason,
    )


def build_gateway_api(
    coordinator: Coordinator, plans: Mapping[str, Tier], canary: CanaryView
) -> APIRouter:
    api = APIRouter()

    @api.post("/api/ai/{request_type}", tags=["ai"])
    @served_directly()
    async def ai(request: Request) -> Response:
        agent = resolve_agent(request.path_params["request_type"])
        parsed = validated(agent.input_model, await read_json(request))
        tier = tier_of(parsed, plans)
        facts_of(request.scope).update(tier=tier, agent=agent.name)
        hints = Hints(type=agent.task_type, language=getattr(parsed, "language", None), tier=tier)
        answer = await coordinator.handle(
            agent,
            parsed,
            str(parsed.creator_id),
            hints,
            correlation_id_of(request.scope),
        )
        record(request, answer, tier)
        return json_response(
            {"result": answer.output.model_dump(mode="json"), "metadata": metadata(answer)}
        )

    @api.get("/api/admin/canary", tags=["admin"])
    async def canary_status() -> Response:
        return json_response(await canary_payload(coordinator, canary))

    @api.post("/api/admin/canary", tags=["admin"])
    async def canary_command(command: CanaryCommand) -> Response:
        if coordinator.mode != "canary":
            # Accepting it would change a number no request reads.
            raise Conflict(
                f"AI_PROVIDER={coordinator.mode}: every request goes to {coordinator.mode} and "
                "the canary percentage is not used; run with AI_PROVIDER=canary to steer it"
            )
        target = {"promote": 100, "rollback": 0}.get(command.action, command.percentage)
        if target is None:
            raise InvalidRequest("action 'set' needs a percentage from 0 to 100")
        await canary.set(
            target, actor="admin", reason=command.reason, kind=f"canary_{command.action}"
        )
        return json_response(await canary_payload(coordinator, canary))

    return api


async def canary_payload(coordinator: Coordinator, canary: CanaryView) -> dict[str, Any]:
    state = await canary.state()
    events = await canary.store.recent_events(limit=20)
    return {
        "mode": coordinator.mode,
        "migration": canary.migration,
        "percentage": state.percentage,
        "version": state.version,
        "updated_at": state.updated_at,
        "updated_by": state.actor,
        "reason": state.reason,
        "fallback_enabled": coordinator.fallback_enabled,
        "events": [{"id": e.id, "kind": e.kind, "at": e.at, **dict(e.data)} for e in events],
    }


__all__ = ["FEATURE_PATHS", "build_gateway_api"]
