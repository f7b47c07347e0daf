"""Clients for upstream model APIs behind one interface (`Provider`)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping

from airouter.config.model import RoutingConfig
from airouter.providers.base import ChatRequest, ChatResult, Provider, StreamChunk, Usage
from airouter.providers.http import HttpChatProvider
from airouter.providers.simulated import SimulatedProvider, Sleep
from airouter.providers.transport import Upstream

__all__ = [
    "ChatRequest",
    "ChatResult",
    "Provider",
    "StreamChunk",
    "Usage",
    "build_providers",
]


def build_providers(
    config: RoutingConfig,
    upstream: Upstream,
    environ: Mapping[str, str],
    *,
    rng: random.Random | None = None,
    sleep: Sleep = asyncio.sleep,
) -> dict[str, Provider]:
    """One provider per deployment; HTTP ones share `upstream` (one connection pool)."""
    providers: dict[str, Provider] = {}
    for d in config.deployments:
        if d.provider == "simulated":
            providers[d.name] = SimulatedProvider(d, rng=rng, sleep=sleep)
        else:
            key = environ.get(d.api_key_env) if d.api_key_env else None
            providers[d.name] = HttpChatProvider(d, upstream, key)
    return providers
