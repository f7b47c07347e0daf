"""The one typed, immutable settings object, built once at startup.

Values come from the process environment, then `.env.local`, then `.env` (the
first that sets a key wins). The environment names are the seed plan's where it
had one (`AI_PROVIDER`, `AI_ROUTER_API_KEY`, ...) and `AIROUTER_*` otherwise.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from dotenv import dotenv_values
from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from airouter.errors import ConfigError

Role = Literal["all", "router", "gateway"]
ENV_FILES = (".env", ".env.local")  # later files win

# How to fix each setting, shown when its value is rejected.
_FIXES: dict[str, str] = {
    "AIROUTER_ENV": "set it to 'development' or 'production'",
    "AI_PROVIDER": "set it to 'foundry', 'legacy' or 'canary'",
    "AI_CANARY_PERCENTAGE": "set it to a whole number from 0 to 100",
    "AI_FALLBACK_ENABLED": "set it to true or false",
    "AIROUTER_PORT": "set it to a TCP port number from 1 to 65535",
    "AIROUTER_MAX_BODY_BYTES": "set it to a positive number of bytes, e.g. 1048576",
    "AIROUTER_LOG_FORMAT": "set it to 'json' or 'console'",
    "AIROUTER_LOG_LEVEL": "set it to debug, info, warning or error",
    "AIROUTER_CONFIG": "point it at a readable routing YAML file",
    "AI_ROUTER_URL": "set it to an http(s) URL such as http://router:8080",
}


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class Settings(BaseSettings):
    """Process-wide settings; frozen once built."""

    model_config = SettingsConfigDict(
        env_file=ENV_FILES,
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
        populate_by_name=True,
    )

    env: Literal["development", "production"] = Field(
        "development", validation_alias=_env("AIROUTER_ENV")
    )
    config_path: Path | None = Field(None, validation_alias=_env("AIROUTER_CONFIG"))
    host: str = Field("127.0.0.1", validation_alias=_env("AIROUTER_HOST"))
    port: int = Field(8080, ge=1, le=65535, validation_alias=_env("AIROUTER_PORT"))
    max_body_bytes: int = Field(1024 * 1024, gt=0, validation_alias=_env("AIROUTER_MAX_BODY_BYTES"))
    # Requests to the model endpoints served at once by one worker before new ones get
    # 503 "overloaded"; None: no limit. Probes, /metrics and admin are never refused.
    max_in_flight: int | None = Field(None, ge=1, validation_alias=_env("AIROUTER_MAX_IN_FLIGHT"))
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        "info", validation_alias=_env("AIROUTER_LOG_LEVEL")
    )
    log_format: Literal["json", "console"] = Field(
        "json", validation_alias=_env("AIROUTER_LOG_FORMAT")
    )

    # Router
    router_api_key: SecretStr | None = Field(None, validation_alias=_env("AI_ROUTER_API_KEY"))
    router_url: str | None = Field(None, validation_alias=_env("AI_ROUTER_URL"))

    # Gateway
    provider: Literal["foundry", "legacy", "canary"] = Field(
        "canary", validation_alias=_env("AI_PROVIDER")
    )
    canary_percentage: int = Field(0, ge=0, le=100, validation_alias=_env("AI_CANARY_PERCENTAGE"))
    fallback_enabled: bool = Field(True, validation_alias=_env("AI_FALLBACK_ENABLED"))
    state_url: str = Field(
        "sqlite:///var/airouter.sqlite3", validation_alias=_env("AIROUTER_STATE_URL")
    )
    client_api_keys: Annotated[tuple[SecretStr, ...], NoDecode] = Field(
        (), validation_alias=_env("AIROUTER_API_KEYS")
    )
    admin_api_key: SecretStr | None = Field(None, validation_alias=_env("AIROUTER_ADMIN_KEY"))

    @field_validator("router_api_key", "admin_api_key", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("client_api_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("router_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @property
    def is_production(self) -> bool:
        return self.env == "production"


def effective_environ(env_files: tuple[str, ...] = ENV_FILES) -> dict[str, str]:
    """The variables as settings see them: `.env`, `.env.local`, then the real environment.

    Deployment keys (`api_key_env` in the routing config) are read from this too, so a
    key kept in `.env.local` works like any other setting.
    """
    merged: dict[str, str] = {}
    for name in env_files:
        merged.update({k: v for k, v in dotenv_values(name).items() if v is not None})
    merged.update(os.environ)
    return merged


def load_settings(**overrides: object) -> Settings:
    """Build the settings, turning a validation failure into a ConfigError that names the fix."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    lines = ["invalid settings:"]
    for err in exc.errors():
        key = _env_name(err["loc"])
        value = err.get("input")
        fix = _FIXES.get(key, "check its value")
        shown = "" if "KEY" in key else f" (got {value!r})"
        lines.append(f"  {key}{shown}: {err['msg']}; {fix}")
    return "\n".join(lines)


def _env_name(loc: tuple[int | str, ...]) -> str:
    field = str(loc[0]) if loc else "?"
    info = Settings.model_fields.get(field)
    alias = info.validation_alias if info else None
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return field.upper()
