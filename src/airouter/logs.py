"""structlog configuration: one JSON object per event on stdout, with bound context.

Secrets and prompt text never reach the log: events carry no request bodies, and
a last processor drops any field whose name says it could hold one.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from contextvars import ContextVar
from typing import Any

import orjson
import structlog

_FORBIDDEN = frozenset(
    {
        "api_key",
        "authorization",
        "x-api-key",
        "password",
        "secret",
        "token_value",
        "prompt",
        "messages",
        "content",
        "body",
    }
)


CORRELATION_ID: ContextVar[str | None] = ContextVar("airouter_correlation_id", default=None)
"""The correlation id of the request being served; the edge sets it (airouter.web.edge)."""


def add_correlation_id(
    _: Any, __: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """A processor: every event logged while serving a request names its correlation id.

    One variable read, where structlog's `merge_contextvars` walks every context
    variable of the task on every event (it was a third of the request event's cost).
    """
    cid = CORRELATION_ID.get()
    if cid is not None:
        event.setdefault("correlation_id", cid)
    return event


def drop_sensitive(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """A processor that removes fields which could carry keys or prompt text."""
    if _FORBIDDEN.isdisjoint(map(str.lower, event)):  # the usual case, checked in C
        return event
    for key in [k for k in event if k.lower() in _FORBIDDEN]:
        del event[key]
    return event


def configure_logging(level: str = "info", fmt: str = "json") -> None:
    """Configure structlog once, at process start (never at import)."""
    renderer: Any = (
        structlog.processors.JSONRenderer(serializer=orjson.dumps)
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            add_correlation_id,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            *([structlog.processors.format_exc_info] if fmt == "json" else []),
            drop_sensitive,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=(
            structlog.BytesLoggerFactory(sys.stdout.buffer)
            if fmt == "json"
            else structlog.PrintLoggerFactory(sys.stdout)
        ),
        cache_logger_on_first_use=True,
    )
