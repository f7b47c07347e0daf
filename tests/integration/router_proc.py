"""Start the router as a real process (`python -m airouter serve --role router`) for tests."""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from tests.support.procs import RunningProcess, free_port, start_process

ROUTER_KEY = "router-key-for-tests-7f3a"
OPENAI_KEY = "sk-fake-openai-key-1234"
AZURE_KEY = "azure-fake-key-5678"


def routing_config(
    upstream: str, timeout: dict[str, float] | None = None, **resilience: Any
) -> dict[str, Any]:
    """Three deployments on the fake upstream, one per wire format, and a legacy one."""
    timeout = timeout or {"connect": 1, "first_byte": 1.5, "total": 3}
    return {
        "resilience": {"deadline": 10, **resilience},
        "deployments": [
            {
                "name": "oa",
                "provider": "openai",
                "model": "oa-model",
                "region": "us",
                "endpoint": f"{upstream}/v1",
                "api_key_env": "FAKE_OPENAI_KEY",
                "price": {"input_per_1k": 0.001, "output_per_1k": 0.002},
                "timeout": timeout,
            },
            {
                "name": "foundry",
                "provider": "azure",
                "model": "foundry-model",
                "region": "eu",
                "endpoint": upstream,
                "api_key_env": "FAKE_AZURE_KEY",
                "timeout": timeout,
            },
            {
                "name": "aoai",
                "provider": "azure",
                "azure_api": "openai",
                "model": "aoai-dep",
                "region": "se",
                "endpoint": upstream,
                "api_key_env": "FAKE_AZURE_KEY",
                "timeout": timeout,
            },
            {
                "name": "legacy",
                "provider": "openai",
                "model": "legacy-model",
                "region": "us",
                "endpoint": f"{upstream}/v1",
                "api_key_env": "FAKE_OPENAI_KEY",
                "price": {"input_per_1k": 0.0025, "output_per_1k": 0.01},
                "timeout": timeout,
            },
        ],
        "legacy_deployment": "legacy",
        "rules": [
            {"name": "french", "when": {"language": ["fr"]}, "chain": ["foundry", "oa"]},
            {"name": "vip", "when": {"tier": ["vip"]}, "chain": ["aoai", "oa"]},
            {"name": "default", "chain": ["oa", "foundry"]},
        ],
    }


class RouterProcess:
    def __init__(self, url: str, process: RunningProcess) -> None:
        self.url = url
        self.process = process

    def log_events(self) -> list[dict[str, Any]]:
        events = []
        for line in self.process.output().splitlines():
            with contextlib.suppress(ValueError):
                event = json.loads(line)
                if isinstance(event, dict):
                    events.append(event)
        return events

    def wait_for_requests(self, *correlation_ids: str, timeout: float = 5.0) -> dict[str, Any]:
        """The `request` log events of these ids; a process logs just after it answers."""
        deadline = time.monotonic() + timeout
        while True:
            found = {
                e["correlation_id"]: e for e in self.log_events() if e.get("event") == "request"
            }
            if all(c in found for c in correlation_ids) or time.monotonic() > deadline:
                return found
            time.sleep(0.02)


@contextlib.contextmanager
def run_router(
    tmp_path: Path,
    config: Mapping[str, Any],
    env: Mapping[str, str | None] | None = None,
    role: str = "router",
    workers: int = 1,
) -> Iterator[RouterProcess]:
    path = tmp_path / f"routing-{role}.yaml"
    path.write_text(yaml.safe_dump(dict(config)))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    environment = {
        "AIROUTER_CONFIG": str(path),
        "AI_ROUTER_API_KEY": ROUTER_KEY,
        "FAKE_OPENAI_KEY": OPENAI_KEY,
        "FAKE_AZURE_KEY": AZURE_KEY,
        "AIROUTER_LOG_FORMAT": "json",
        "AIROUTER_ENV": "production",
        **(env or {}),
    }
    args = [sys.executable, "-m", "airouter", "serve", "--role", role, "--port", str(port)]
    args += ["--workers", str(workers)]
    with start_process(args, env=environment, ready_url=f"{url}/health") as process:
        yield RouterProcess(url, process)
