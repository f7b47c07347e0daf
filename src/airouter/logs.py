"""structlog configuration: one JSON object per event on stdout, with bound context.

Secrets and prompt text never reach the log: events carry no request bodies, and
a last processor drops any field whose name says it could hold one.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
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


def drop_sensitive(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """A processor that removes fields which could carry keys or prompt text."""
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
            structlog.contextvars.merge_contextvars,
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
