"""API-key authentication as a pure ASGI middleware.

Keys are accepted as `Authorization: Bearer <key>` or `X-API-Key: <key>` and
compared in constant time against every configured key of the path's realm.
A realm with no keys configured is open (the app warns about it at startup).
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from airouter.web.context import correlation_id_of
from airouter.web.errors import error_body


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


class AuthMiddleware:
    def __init__(self, app: ASGIApp, realms: Sequence[Realm], open_paths: frozenset[str]):
        self.app = app
        # Longest prefix first, so /api/admin wins over /api.
        self.realms = sorted(realms, key=lambda r: len(r.prefix), reverse=True)
        self.open_paths = open_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.open_paths:
            await self.app(scope, receive, send)
            return
        realm = next((r for r in self.realms if scope["path"].startswith(r.prefix)), None)
        if realm is None or key_accepted(presented_key(scope["headers"]), realm.keys):
            await self.app(scope, receive, send)
            return
        body = error_body(
            401, "unauthorized", "missing or invalid API key", correlation_id_of(scope)
        )
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"www-authenticate", f'Bearer realm="{realm.name}"'.encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
