"""API keys: realms, the key a request presents, and the constant-time check.

The check itself runs in `airouter.web.edge`.

Keys are accepted as `Authorization: Bearer <key>` or `X-API-Key: <key>` and
compared in constant time against every configured key of the path's realm.
A realm with no keys configured is open (the app warns about it at startup).
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Realm:
    """Paths starting with `prefix` need one of `keys` (empty: open)."""

    prefix: str
    keys: tuple[bytes, ...]
    name: str = "airouter"


def presented_key(headers: Sequence[tuple[bytes, bytes]]) -> bytes | None:
    for name, value in headers:
        if name == b"x-api-key" and value:
            return value.strip()
        if name == b"authorization" and value[:7].lower() == b"bearer ":
            return value[7:].strip()
    return None


def key_accepted(presented: bytes | None, keys: tuple[bytes, ...]) -> bool:
    if not keys:
        return True
    if not presented:
        return False
    # Compare against every key, without stopping early, so timing says nothing.
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(presented, key)
    return matched
