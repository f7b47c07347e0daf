"""Start, watch and stop the subprocesses integration tests talk to over real sockets.

``start_process`` launches a command (usually ``sys.executable -m ...`` from the repo root),
polls until it is ready, and hands back a ``RunningProcess`` that always terminates it
(SIGTERM, then SIGKILL) and keeps its combined stdout/stderr for tests to read.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
POLL_INTERVAL = 0.05
TAIL_CHARS = 4000


class ProcessStartError(RuntimeError):
    """The process exited or never became ready; the message carries its output tail."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RunningProcess:
    """A started subprocess whose output goes to a temp file; a context manager."""

    def __init__(self, args: Sequence[str], env: Mapping[str, str], cwd: Path) -> None:
        self.args = list(args)
        self._log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - lives as long as the process
            prefix="airouter-proc-", suffix=".log", delete=False
        )
        self._final_output: str | None = None
        self.popen = subprocess.Popen(
            self.args, cwd=cwd, env=dict(env), stdout=self._log, stderr=subprocess.STDOUT
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def output(self) -> str:
        """Everything the process has written to stdout and stderr so far."""
        if self._final_output is not None:
            return self._final_output
        return Path(self._log.name).read_text(errors="replace")

    def tail(self, chars: int = TAIL_CHARS) -> str:
        return self.output()[-chars:]

    def stop(self, timeout: float = 5.0) -> int:
        """Terminate (then kill) the process, keep its output, remove the log file."""
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        if self._final_output is None:
            self._final_output = self.output()
            self._log.close()
            Path(self._log.name).unlink(missing_ok=True)
        return self.popen.returncode

    def __enter__(self) -> RunningProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def http_ready(url: str) -> Callable[[], bool]:
    """A readiness check: ``url`` answers with any status below 500."""

    def check() -> bool:
        try:
            with httpx.Client(timeout=1.0, trust_env=False) as client:
                return client.get(url).status_code < 500
        except httpx.TransportError:
            return False

    return check


def start_process(
    args: Sequence[str],
    env: Mapping[str, str | None] | None = None,
    ready_url: str | None = None,
    timeout: float = 15.0,
    *,
    ready_check: Callable[[], bool] | None = None,
) -> RunningProcess:
    """Start ``args`` in the repo root and wait until it is ready.

    ``env`` overrides the inherited environment (a ``None`` value removes a variable).
    Readiness is ``ready_check()`` if given, else an HTTP poll of ``ready_url``, else
    merely "still running". Raises ``ProcessStartError`` with the output tail on failure.
    """
    merged = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    clean = {k: v for k, v in merged.items() if v is not None}
    check = ready_check or (http_ready(ready_url) if ready_url else lambda: True)
    proc = RunningProcess(args, clean, REPO_ROOT)
    try:
        wait_until_ready(proc, check, timeout)
    except BaseException:
        proc.stop()
        raise
    return proc


def wait_until_ready(proc: RunningProcess, check: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.popen.poll() is not None:
            raise ProcessStartError(
                f"{proc.args} exited with {proc.popen.returncode} before becoming ready; "
                f"output tail:\n{proc.tail()}"
            )
        if check():
            return
        if time.monotonic() > deadline:
            raise ProcessStartError(
                f"{proc.args} not ready after {timeout}s; output tail:\n{proc.tail()}"
            )
        time.sleep(POLL_INTERVAL)


def redis_command(url: str, *words: str) -> bytes:
    """Run one command on the database named by a ``redis://host:port/db`` URL.

    Speaks RESP over a plain socket (no client library needed); returns the raw reply line.
    """
    parsed = httpx.URL(url)
    db = parsed.path.strip("/") or "0"
    wire = b"".join(_resp(command) for command in (("SELECT", db), words))
    with socket.create_connection((parsed.host, parsed.port or 6379), timeout=1.0) as sock:
        sock.sendall(wire)
        replies = b""
        while replies.count(b"\r\n") < 2:
            chunk = sock.recv(4096)
            if not chunk:
                break
            replies += chunk
    return replies.split(b"\r\n")[1]


def _resp(words: Sequence[str]) -> bytes:
    parts = [f"*{len(words)}"] + [f"${len(w)}\r\n{w}" for w in words]
    return ("\r\n".join(parts) + "\r\n").encode()


def redis_ready(url: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return redis_command(url, "PING") == b"+PONG"
        except OSError:
            return False

    return check


@contextlib.contextmanager
def start_redis() -> Iterator[str]:
    """Yield a Redis URL: ``REDIS_URL`` if set, else a throwaway ``redis-server``.

    The throwaway server keeps nothing on disk and is stopped on exit.
    Raises ``FileNotFoundError`` when neither is available.
    """
    if url := os.environ.get("REDIS_URL"):
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        raise FileNotFoundError("redis-server is not installed and REDIS_URL is not set")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="airouter-redis-") as workdir:
        args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", workdir]
        args += ["--save", "", "--appendonly", "no"]
        url = f"redis://127.0.0.1:{port}/0"
        with start_process(args, ready_check=redis_ready(url)):
            yield url
