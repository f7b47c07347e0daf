"""Building blocks shared by every agent's input and output models.

Inputs carry the task (what the model sees) and three routing fields the gateway
reads to pick a deployment; the routing fields never reach the prompt. Outputs are
frozen, reject unknown keys and non-finite numbers, so a parsed answer is exactly
what the schema promised.
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from airouter.config.model import Tier
from airouter.routing.languages import iso_639_1

ROUTING_FIELDS = frozenset({"client_tier", "plan", "language"})

Identifier = Annotated[
    str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_\-:.]+$")
]
Label = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"\S")]
Note = Annotated[str, StringConstraints(min_length=1, max_length=2_000, pattern=r"\S")]
Message = Annotated[str, StringConstraints(min_length=1, max_length=8_000, pattern=r"\S")]
Confidence = Annotated[float, Field(ge=0, le=1, description="0 (a guess) to 1 (certain)")]

MAX_JSON_BYTES = 64_000


def json_within(value: Any, limit: int = MAX_JSON_BYTES) -> Any:
    """`value` unchanged if it serializes to at most `limit` bytes of plain JSON."""
    try:
        size = len(orjson.dumps(value))
    except orjson.JSONEncodeError as exc:
        raise ValueError("must be plain JSON (integers within 64 bits)") from exc
    if size > limit:
        raise ValueError(f"must serialize to at most {limit} bytes of JSON")
    return value


class AgentInput(BaseModel):
    """Fields every agent request has: who it is for, and the gateway's routing hints."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    creator_id: Identifier
    client_tier: Tier | None = None
    plan: Label | None = None
    language: str | None = Field(None, description="ISO 639-1 hint, e.g. 'fr'")

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        return iso_639_1(value)


class AgentOutput(BaseModel):
    """Base of every agent answer: exact keys, finite numbers, immutable once parsed."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
