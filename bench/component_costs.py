"""Microseconds per call of the router's per-request pieces, measured in-process.

Load tests on a shared 2-core machine wobble by ±10 %, too much to see a 50 µs
piece; a tight loop over one piece does not. Each line is the median of 5 rounds.

    .venv/bin/python bench/component_costs.py
"""

from __future__ import annotations

import asyncio
import gc
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from typing import Any, cast

import httpx
import orjson
import structlog
from targets import chat_body

from airouter.detect import Detector
from airouter.logs import configure_logging
from airouter.metrics import Metrics
from airouter.router.schemas import ChatCompletionBody

BODY = orjson.dumps(chat_body("auto"))
MESSAGES = cast(list[dict[str, Any]], chat_body("auto")["messages"])


def per_call_us(fn: Callable[[], object], n: int = 2000, rounds: int = 5) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(n):
            fn()
        samples.append((time.perf_counter() - started) / n * 1e6)
    return statistics.median(samples)


def log_event() -> Callable[[], object]:
    # airouter logs to stdout; point stdout at a temp file while configuring, so the
    # write(2) per event is real but the table stays readable.
    sink = tempfile.TemporaryFile("w+")  # noqa: SIM115 - lives as long as the closure
    real, sys.stdout = sys.stdout, sink
    try:
        configure_logging("info", "json")
    finally:
        sys.stdout = real
    log = structlog.get_logger("airouter.request")
    return lambda: sink and log.info("request", correlation_id="c" * 32, method="POST", status=200)


async def timeouts_us(n: int = 5000) -> float:
    started = time.perf_counter()
    for _ in range(n):
        async with asyncio.timeout(30):  # noqa: ASYNC100 - the scope is what is timed
            pass
    return (time.perf_counter() - started) / n * 1e6


def main() -> None:
    detector = Detector()
    metrics = Metrics()
    client = httpx.AsyncClient()
    facts = {"deployment": "llama-3.3-70b", "tokens_in": 120, "tokens_out": 30, "cost_usd": 1e-4}
    pieces: dict[str, Callable[[], object]] = {
        "Detector.detect_messages (the bench prompt)": lambda: detector.detect_messages(MESSAGES),
        "ChatCompletionBody.model_validate(json.loads)": lambda: ChatCompletionBody.model_validate(
            json.loads(BODY)
        ),
        "ChatCompletionBody.model_validate_json": lambda: ChatCompletionBody.model_validate_json(
            BODY
        ),
        "messages -> model_dump(exclude_none) x2": lambda: [
            m.model_dump(exclude_none=True)
            for m in ChatCompletionBody.model_validate_json(BODY).messages
        ],
        "one structlog JSON event (write to a file)": log_event(),
        "Metrics.request (Prometheus)": lambda: metrics.request(
            "/v1/chat/completions", 200, 0.01, facts
        ),
        "httpx AsyncClient.build_request": lambda: client.build_request(
            "POST", "http://127.0.0.1:9/v1/chat/completions", content=BODY
        ),
        "uuid4().hex (correlation id)": lambda: uuid.uuid4().hex,
        "orjson.dumps(request body)": lambda: orjson.dumps(chat_body("auto")),
    }
    gc.collect()
    print("| piece | µs per call |\n|---|---:|")
    for name, fn in pieces.items():
        print(f"| {name} | {per_call_us(fn):.1f} |")
    print(f"| asyncio.timeout() enter + exit | {asyncio.run(timeouts_us()):.1f} |")


if __name__ == "__main__":
    main()
