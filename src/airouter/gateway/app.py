"""App factories for the gateway alone and for router + gateway in one process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import structlog
from fastapi import APIRouter, FastAPI
from starlette.responses import Response

from airouter.canary.view import CanaryView
from airouter.config.load import load_routing_config
from airouter.config.model import GatewayPathSettings, RoutingConfig
from airouter.errors import ConfigError
from airouter.gateway.api import build_gateway_api
from airouter.gateway.coordinator import Coordinator
from airouter.gateway.paths import Backend, GuardedPath, HttpRouter, InProcessRouter, LegacyBackend
from airouter.providers import Provider, build_providers
from airouter.providers.http1 import Http1Upstream
from airouter.providers.transport import Upstream
from airouter.router.api import build_router_api
from airouter.router.app import (
    RouterParts,
    build_router_service,
    check_router_auth,
    install_common,
    new_app,
    router_realm,
)
from airouter.router.caller import ResilientCaller, Sleep
from airouter.router.service import RouterService
from airouter.settings import Settings, effective_environ
from airouter.state import StateStore, open_store
from airouter.web.auth import Realm
from airouter.web.responses import json_response

log = structlog.get_logger("airouter.startup")


@dataclass
class GatewayParts:
    """Collaborators tests may inject; anything left None is built from settings."""

    router: RouterParts = field(default_factory=RouterParts)
    store: StateStore | None = None
    legacy_provider: Provider | None = None
    sleep: Sleep | None = None
    environ: Mapping[str, str] = field(default_factory=effective_environ)


def gateway_realms(settings: Settings, *, with_router: bool) -> list[Realm]:
    """Client keys for /api/ai, the admin key for /api/admin, /admin and /metrics.

    In one process with the router, the router's own realm covers the rest ("/"), and
    its key may read /metrics too.
    """
    clients = tuple(k.get_secret_value().encode() for k in settings.client_api_keys)
    admin = settings.admin_api_key
    admins = (admin.get_secret_value().encode(),) if admin else ()
    router_key = settings.router_api_key
    scrapers = admins + (
        (router_key.get_secret_value().encode(),) if with_router and router_key else ()
    )
    return [
        Realm("/api/ai", clients, "airouter"),
        Realm("/api/admin", admins, "airouter-admin"),
        Realm("/admin", admins, "airouter-admin"),
        Realm("/metrics", scrapers, "airouter-metrics"),
    ]


def check_gateway_auth(settings: Settings) -> None:
    missing = [
        name
        for name, present in (
            ("AIROUTER_API_KEYS", settings.client_api_keys),
            ("AIROUTER_ADMIN_KEY", settings.admin_api_key),
        )
        if not present
    ]
    if not missing:
        return
    if settings.is_production:
        raise ConfigError(
            f"{' and '.join(missing)} not set and AIROUTER_ENV=production; "
            "set them to long random secrets"
        )
    log.warning(
        "auth_disabled",
        service="gateway",
        missing=missing,
        detail="the gateway accepts unauthenticated requests on those endpoints",
    )


def _path(
    name: str, backend: Backend, settings: GatewayPathSettings, parts: GatewayParts
) -> GuardedPath:
    metrics = parts.router.metrics
    caller = ResilientCaller.from_settings(
        settings.retry,
        settings.breaker,
        settings.deadline,
        sleep=parts.sleep or asyncio.sleep,
        listeners=(metrics.breaker_changed,),
        observer=metrics.attempt,
    )
    caller.registry.get(name)
    metrics.breaker_known(name)
    return GuardedPath(name, backend, caller)


def build_coordinator(
    settings: Settings,
    config: RoutingConfig,
    parts: GatewayParts,
    upstream: Upstream,
    router: RouterService | None,
    canary: CanaryView,
) -> Coordinator:
    if config.legacy_deployment is None:
        raise ConfigError(
            "the routing config sets no legacy_deployment; the gateway's legacy "
            "path needs one (see the shipped default.yaml)"
        )
    if settings.router_url:
        key = settings.router_api_key.get_secret_value() if settings.router_api_key else None
        foundry: Backend = HttpRouter(settings.router_url, key, upstream)
    elif router is not None:
        foundry = InProcessRouter(router)
    else:
        raise ConfigError("the gateway role needs AI_ROUTER_URL (the router it calls)")
    legacy = (
        parts.legacy_provider
        or build_providers(config, upstream, parts.environ)[config.legacy_deployment]
    )
    g = config.gateway
    return Coordinator(
        settings.provider,
        g.migration,
        canary,
        _path("foundry", foundry, g.foundry, parts),
        _path("legacy", LegacyBackend(legacy), g.legacy, parts),
        fallback_enabled=settings.fallback_enabled,
    )


def create_gateway_app(
    settings: Settings,
    config: RoutingConfig | None = None,
    parts: GatewayParts | None = None,
    *,
    with_router: bool = False,
) -> FastAPI:
    """The gateway; `with_router` also serves the router API and calls it in-process."""
    parts = parts or GatewayParts()
    config = config or load_routing_config(settings.config_path, parts.environ)
    check_gateway_auth(settings)
    if with_router:
        check_router_auth(settings)
    own_upstream = Http1Upstream()  # closed with the app; idle if parts bring one
    upstream = parts.router.upstream or own_upstream
    router = build_router_service(config, parts.router, upstream) if with_router else None
    canary = CanaryView(config.gateway.migration)
    coordinator = build_coordinator(settings, config, parts, upstream, router, canary)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        store = parts.store or await open_store(settings.state_url)
        state = await canary.start(store, settings.canary_percentage)
        log.info(
            "gateway_started",
            mode=settings.provider,
            canary_percentage=state.percentage,
            fallback=settings.fallback_enabled,
            router="in-process" if router else "http",
        )
        try:
            yield
        finally:
            parts.router.metrics.close()
            try:
                if parts.store is None:
                    await store.close()
            finally:
                await own_upstream.aclose()

    app = new_app("airouter gateway", lifespan)
    realms = gateway_realms(settings, with_router=router is not None)
    if router is not None:
        base_api = build_router_api(router, partial(gateway_readiness, coordinator, canary))
        realms.append(router_realm(settings))
    else:
        base_api = _gateway_health(coordinator, canary)
    gateway_api = build_gateway_api(coordinator, config.gateway.plans, canary)
    install_common(app, settings, realms, parts.router.metrics, [base_api, gateway_api])
    return app


async def gateway_readiness(
    coordinator: Coordinator, canary: CanaryView
) -> tuple[bool, dict[str, Any]]:
    """Ready when the state store answers; shows the paths' breakers and the canary."""
    ok = await canary.store.ping()
    details: dict[str, Any] = {
        "state_store": "ok" if ok else "unreachable",
        "gateway_paths": coordinator.readiness(),
    }
    if ok:
        details["canary_percentage"] = await canary.percentage()
    return ok, details


def _gateway_health(coordinator: Coordinator, canary: CanaryView) -> APIRouter:
    api = APIRouter()

    @api.get("/health", tags=["ops"])
    async def health() -> Response:
        return json_response({"status": "ok"})

    @api.get("/ready", tags=["ops"])
    async def ready() -> Response:
        ok, details = await gateway_readiness(coordinator, canary)
        return json_response(
            {"status": "ready" if ok else "degraded", **details}, 200 if ok else 503
        )

    return api
