"""The test side of the fake upstream: start it as a process and script it over HTTP."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any, overload

import httpx

from tests.support.procs import RunningProcess, free_port, start_process


class FakeUpstream:
    """A handle on a running fake upstream: its URLs and its ``/__control`` API."""

    def __init__(self, url: str, process: RunningProcess | None = None) -> None:
        self.url = url
        self.process = process
        self._http = httpx.Client(base_url=url, timeout=5.0, trust_env=False)

    @property
    def openai_base_url(self) -> str:
        """What an OpenAI SDK or OpenAI-compatible provider takes as ``base_url``."""
        return f"{self.url}/v1"

    def script(self, model: str, *steps: dict[str, Any], repeat: bool = False) -> None:
        """Queue ``steps`` for ``model`` (or ``"*"``), replacing its previous script."""
        body = {"model": model, "responses": list(steps), "repeat": repeat}
        self._http.post("/__control/script", json=body).raise_for_status()

    def require_key(self, key: str | None) -> None:
        """Reject requests that do not present ``key`` (``None`` accepts any)."""
        self._http.post("/__control/require_key", json={"key": key}).raise_for_status()

    @overload
    def hits(self, model: None = None) -> dict[str, int]: ...
    @overload
    def hits(self, model: str) -> int: ...
    def hits(self, model: str | None = None) -> dict[str, int] | int:
        """Requests that arrived, per model; or the count for one model."""
        counts: dict[str, int] = self._get("/__control/hits")
        return counts if model is None else counts.get(model, 0)

    def requests(self, model: str | None = None) -> list[dict[str, Any]]:
        """Recorded requests: model, method, path, query, headers (lower-case), json, time."""
        params = {"model": model} if model is not None else {}
        records: list[dict[str, Any]] = self._get("/__control/requests", params)
        return records

    def reset(self) -> None:
        self._http.post("/__control/reset").raise_for_status()

    def close(self) -> None:
        self._http.close()

    def _get(self, path: str, params: dict[str, str] | None = None) -> Any:
        response = self._http.get(path, params=params)
        response.raise_for_status()
        return response.json()


@contextlib.contextmanager
def run_fake_upstream() -> Iterator[FakeUpstream]:
    """Start ``python -m tests.fakes.upstream`` on a free port; stop it on exit."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [sys.executable, "-m", "tests.fakes.upstream", "--port", str(port)]
    with start_process(args, ready_url=f"{url}/__control/hits") as process:
        fake = FakeUpstream(url, process)
        try:
            yield fake
        finally:
            fake.close()
