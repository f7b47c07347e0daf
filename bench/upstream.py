"""The fake upstream: nginx answering every chat completion with one fixed body.

nginx (Debian's `nginx-light`) is started from a generated config in a temp dir,
one worker, pinned to a core, and stopped afterwards. Its answer is a valid
`chat.completion` whose message content is a valid messaging-agent answer, so the
same upstream serves the router, the gateway (which validates that JSON) and
every other target.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from procstat import apt_install, wait_port

# What the messaging agent must answer (src/airouter/gateway/agents/messaging.py).
AGENT_ANSWER = {
    "response": "Thank you so much! I'm glad you liked it - more coming this week.",
    "confidence": 0.9,
    "suggested_upsell": None,
    "reasoning": None,
}

COMPLETION = {
    "id": "chatcmpl-bench",
    "object": "chat.completion",
    "created": 1_700_000_000,
    "model": "bench-model",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": json.dumps(AGENT_ANSWER)},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150},
}


STREAM_CHUNKS = 20
"""Content chunks in the streamed answer (then a usage chunk and [DONE])."""


def completion_body() -> str:
    return json.dumps(COMPLETION, separators=(",", ":"))


def stream_body() -> str:
    """The same answer as server-sent events, as OpenAI streams it: text in
    STREAM_CHUNKS deltas, a last chunk with the usage, then [DONE]."""
    text = COMPLETION["choices"][0]["message"]["content"]  # type: ignore[index]
    cuts = [len(text) * i // STREAM_CHUNKS for i in range(STREAM_CHUNKS + 1)]
    base = {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": "bench-model",
    }
    delta = [{"index": 0, "delta": {"content": text[a:b]}, "finish_reason": None}
             for a, b in itertools.pairwise(cuts)]  # fmt: skip
    events = [{**base, "choices": [d]} for d in delta]
    events.append({**base, "choices": [], "usage": COMPLETION["usage"]})
    lines = [f"data: {json.dumps(e, separators=(',', ':'))}\n\n" for e in events]
    return "".join(lines) + "data: [DONE]\n\n"


def nginx_quote(text: str) -> str:
    """`text` as an nginx single-quoted string (nginx unescapes \\\\ and \\')."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


NGINX_CONF = """\
daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    keepalive_requests 10000000;
    keepalive_timeout 300s;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        location / {{
            default_type application/json;
            return 200 {body};
        }}
        location /sse/ {{
            default_type text/event-stream;
            return 200 {stream};
        }}
    }}
}}
"""


def ensure_nginx() -> str:
    """Path of the nginx binary, installing Debian's nginx-light when it is missing."""
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if found:
        return found
    apt_install("nginx-light")
    return "/usr/sbin/nginx"


@dataclass
class Nginx:
    """One nginx master + one worker serving the fixed completion on 127.0.0.1:port."""

    port: int
    cpu: str
    proc: subprocess.Popen[bytes] | None = None
    dir: Path | None = None

    def start(self) -> Nginx:
        binary = ensure_nginx()
        self.dir = Path(tempfile.mkdtemp(prefix="airouter-bench-nginx-"))
        conf = self.dir / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                dir=self.dir,
                port=self.port,
                body=nginx_quote(completion_body()),
                stream=nginx_quote(stream_body()),
            )
        )
        self.proc = subprocess.Popen(
            ["taskset", "-c", self.cpu, binary, "-c", str(conf), "-p", str(self.dir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_port(self.port, self.proc, 10)
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # nginx: SIGTERM = fast shutdown of master and worker
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.dir is not None:
            time.sleep(0.1)
            shutil.rmtree(self.dir, ignore_errors=True)
