"""One JSON form for event data, shared by every backend so they accept and return the same.

The memory backend round-trips through it too: data that SQLite or Redis would refuse
(not JSON-serialisable) is refused in unit tests as well, and a caller never gets back
the very dict it passed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from airouter.state.base import Event


def dump_data(data: Mapping[str, Any]) -> str:
    """`data` as JSON text; `TypeError` if it is not JSON-serialisable."""
    return orjson.dumps(dict(data)).decode()


def load_data(text: str | bytes) -> dict[str, Any]:
    loaded = orjson.loads(text)
    if not isinstance(loaded, dict):
        raise TypeError(f"event data must be a JSON object, not {type(loaded).__name__}")
    return loaded


def dump_event(event: Event) -> str:
    """`event` without its id as a JSON object, `{"kind", "at", "data"}`."""
    return orjson.dumps({"kind": event.kind, "at": event.at, "data": dict(event.data)}).decode()


def load_event(text: str | bytes) -> Event:
    """An event from `dump_event`'s form, with the id if an `"id"` member was added."""
    raw = orjson.loads(text)
    event_id = raw.get("id")
    return Event(
        kind=raw["kind"],
        at=float(raw["at"]),
        data=raw["data"],
        id=None if event_id is None else int(event_id),
    )
