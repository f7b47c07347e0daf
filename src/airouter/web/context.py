"""Per-request facts carried in the ASGI scope (no globals): correlation id and log fields."""

from __future__ import annotations

import random
import re
from collections.abc import MutableMapping
from typing import Any

FACTS_KEY = "airouter.facts"
CID_KEY = "airouter.correlation_id"
BODY_KEY = "airouter.body"
"""The request body the edge has already read whole (bytes), for the endpoint."""
_VALID_CID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def correlation_id_from(header: str | None) -> str:
    """The caller's id when it is safe to echo and log, else a fresh one."""
    if header and _VALID_CID.match(header):
        return header
    # 128 random bits as 32 hex digits, like uuid4().hex, from the process's Mersenne
    # Twister (seeded afresh in every worker process, and after a fork): an id to find
    # a request by, not a secret, so it need not cost a getrandom() system call each.
    return f"{random.getrandbits(128):032x}"


def header_of(scope: MutableMapping[str, Any], name: bytes) -> str | None:
    """The first value of a request header (`name` lower-case bytes), or None."""
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def correlation_id_of(scope: MutableMapping[str, Any]) -> str:
    cid = scope.get(CID_KEY)
    return cid if isinstance(cid, str) else ""


def facts_of(scope: MutableMapping[str, Any]) -> dict[str, Any]:
    """The dict a handler fills with what the request log event should report."""
    facts = scope.get(FACTS_KEY)
    if not isinstance(facts, dict):  # outside the edge (airouter.web.edge): a throwaway dict
        facts = scope[FACTS_KEY] = {}
    return facts
