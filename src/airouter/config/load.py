"""Load and validate the routing config; every problem is reported at startup, never per request."""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from airouter.config.model import RoutingConfig
from airouter.errors import ConfigError

DEFAULT_CONFIG = "default.yaml"


def load_routing_config(
    path: Path | None = None, environ: Mapping[str, str] | None = None
) -> RoutingConfig:
    """Read `path` (or the config shipped in the package) and check it against `environ`."""
    source = str(path) if path else f"<package>/airouter/config/{DEFAULT_CONFIG}"
    text = _read(path)
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: expected a mapping with 'deployments' and 'rules'")
    try:
        config = RoutingConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(source, exc)) from None
    _check_keys(source, config, os.environ if environ is None else environ)
    return config


def _read(path: Path | None) -> str:
    if path is None:
        return resources.files("airouter.config").joinpath(DEFAULT_CONFIG).read_text("utf-8")
    try:
        return path.read_text("utf-8")
    except OSError as exc:
        raise ConfigError(f"AIROUTER_CONFIG={path}: cannot read it ({exc.strerror})") from None


def _describe(source: str, exc: ValidationError) -> str:
    lines = [f"{source}: invalid routing config:"]
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        lines.append(f"  {where}: {msg}")
    return "\n".join(lines)


def _check_keys(source: str, config: RoutingConfig, environ: Mapping[str, str]) -> None:
    missing = [
        f"  deployment {d.name!r} reads its key from {d.api_key_env}, which is not set"
        for d in config.deployments
        if d.provider != "simulated" and d.api_key_env and not environ.get(d.api_key_env)
    ]
    if missing:
        raise ConfigError("\n".join([f"{source}: missing API keys:", *missing]))
