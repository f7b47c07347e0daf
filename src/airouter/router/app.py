"""The router service's app factory: builds the object graph once, in a lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import structlog
from fastapi import APIRouter, FastAPI
from starlette.responses import Response

from airouter.config.load import load_routing_config
from airouter.config.model import RetrySettings, RoutingConfig
from airouter.detect import Detector
from airouter.errors import ConfigError
from airouter.metrics import CONTENT_TYPE, Metrics
from airouter.providers import Provider, build_providers
from airouter.providers.http1 import Http1Upstream
from airouter.providers.transport import Upstream
from airouter.router.api import build_router_api
from airouter.router.caller import ResilientCaller
from airouter.router.service import RouterService
from airouter.routing.classifiers import LlmClassifier, LocalClassifier
from airouter.routing.signals import Classifier
from airouter.settings import Settings, effective_environ
from airouter.web.auth import Realm
from airouter.web.edge import Edge, check_no_shadowing, direct_routes, document_bodies
from airouter.web.errors import install_error_handlers

log = structlog.get_logger("airouter.startup")
Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]

OPEN_PATHS = frozenset({"/health", "/ready", "/openapi.json", "/docs", "/docs/oauth2-redirect"})


@dataclass
class RouterParts:
    """Collaborators a caller (tests, the combined server) may inject instead of defaults."""

    upstream: Upstream | None = None
    providers: Mapping[str, Provider] | None = None
    classifier: Classifier | None = None
    caller: ResilientCaller | None = None
    metrics: Metrics = field(default_factory=Metrics)
    environ: Mapping[str, str] = field(default_factory=effective_environ)


def check_router_auth(settings: Settings) -> None:
    """Refuse to run unauthenticated in production; warn loudly elsewhere."""
    if settings.router_api_key is not None:
        return
    if settings.is_production:
        raise ConfigError(
            "AI_ROUTER_API_KEY is not set and AIROUTER_ENV=production; "
            "set AI_ROUTER_API_KEY to a long random secret"
        )
    log.warning(
        "auth_disabled",
        service="router",
        detail="AI_ROUTER_API_KEY is not set: the router accepts unauthenticated "
        "requests. Set it before exposing this port.",
    )


def router_realm(settings: Settings) -> Realm:
    key = settings.router_api_key
    return Realm("/", (key.get_secret_value().encode(),) if key else (), "airouter-router")


def build_router_service(
    config: RoutingConfig, parts: RouterParts, upstream: Upstream
) -> RouterService:
    providers = parts.providers or build_providers(config, upstream, parts.environ)
    classifier = parts.classifier or build_classifier(config, providers, parts.metrics)
    metrics = parts.metrics
    caller = parts.caller or ResilientCaller.from_config(
        config, listeners=(metrics.breaker_changed,), observer=metrics.attempt
    )
    for deployment in config.deployments:  # so /ready shows every breaker from the start
        caller.registry.get(deployment.name)
        metrics.breaker_known(deployment.name)
    return RouterService(config, providers, classifier, caller)


def build_classifier(
    config: RoutingConfig, providers: Mapping[str, Provider], metrics: Metrics
) -> Classifier:
    """The local detector, or (`classifier: llm`) a model deployment with it as fallback."""
    local = LocalClassifier(Detector())
    if config.classifier == "local" or config.classifier_deployment is None:
        return local
    caller = ResilientCaller.from_settings(
        RetrySettings(max_retries=0),
        config.resilience.breaker,
        config.classifier_timeout,
        listeners=(metrics.breaker_changed,),
        observer=metrics.attempt,
    )
    classifier = LlmClassifier(
        providers[config.classifier_deployment], local, caller, local.detector.languages
    )
    caller.registry.get(classifier.breaker_name)
    return classifier


def create_router_app(
    settings: Settings, config: RoutingConfig | None = None, parts: RouterParts | None = None
) -> FastAPI:
    """The router as an ASGI app. Config problems raise here, before serving anything."""
    parts = parts or RouterParts()
    config = config or load_routing_config(settings.config_path, parts.environ)
    check_router_auth(settings)
    own_upstream = Http1Upstream()  # closed with the app; idle if parts bring one
    service = build_router_service(config, parts, parts.upstream or own_upstream)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        log.info("router_started", deployments=len(config.deployments), rules=len(config.rules))
        try:
            yield
        finally:
            parts.metrics.close()
            await own_upstream.aclose()

    app = new_app("airouter router", lifespan)
    install_common(
        app, settings, [router_realm(settings)], parts.metrics, [build_router_api(service)]
    )
    app.state.router_service = service
    return app


def new_app(title: str, lifespan: Lifespan) -> FastAPI:
    """An airouter FastAPI app: its schema at /openapi.json, interactive docs at /docs.

    FastAPI's native OpenTelemetry hooks are off: airouter reports through Prometheus
    and its JSON logs, and the hooks look up the global providers on every request.
    """
    return FastAPI(
        title=title,
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )


def install_common(
    app: FastAPI,
    settings: Settings,
    realms: list[Realm],
    metrics: Metrics,
    apis: Sequence[APIRouter],
) -> None:
    """The app's APIs, then what every airouter app shares: error handlers, /metrics and
    the edge (airouter.web.edge), which serves the APIs' direct endpoints itself."""
    routes = [route for api in apis for route in api.routes]
    check_no_shadowing(routes)
    direct = direct_routes(routes)
    for api in apis:
        app.include_router(api)
    install_error_handlers(app)

    async def metrics_endpoint() -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    app.add_api_route("/metrics", metrics_endpoint, methods=["GET"], tags=["ops"])
    app.add_middleware(
        Edge,
        direct=direct,
        realms=realms,
        open_paths=OPEN_PATHS,
        max_body_bytes=settings.max_body_bytes,
        max_in_flight=settings.max_in_flight,
        metrics=metrics,
    )
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:  # built once, with the direct endpoints' bodies
            app.openapi_schema = document_bodies(generate(), direct)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
