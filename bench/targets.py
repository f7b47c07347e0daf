"""The targets under test: how to start each, what to send it, and its generated config.

direct       nginx itself (the floor), its own instance pinned like the others
passthrough  bench/passthrough.py: Starlette + uvicorn + pooled aiohttp, ~40 lines
router       `airouter serve --role router`, POST /v1/chat/completions, model "auto"
gateway      `airouter serve --role all`, POST /api/ai/chat (agent → in-process router)
litellm      the LiteLLM proxy from PyPI, in its own virtualenv, one worker
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from procstat import free_port, stop, wait_port
from upstream import Nginx

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
VENV_BIN = REPO / ".venv" / "bin"
LITELLM_VENV = HERE / ".litellm-venv"
# Pinned: a release from before LiteLLM's 2026 supply-chain incidents (1.82.7/8, 1.107.0).
LITELLM_SPEC = "litellm[proxy]==1.81.13"

MESSAGES = [
    {"role": "system", "content": "You are the helpful assistant of an online bike shop."},
    {
        "role": "user",
        "content": "Hi! I ordered a rear light last Monday (order 1234). "
        "Can you tell me when it will arrive, and whether I can still change the colour?",
    },
]
GATEWAY_BODY = {  # README's example
    "creator_id": "creator-42",
    "fan_id": "fan-7",
    "message": "Loved your last post!",
    "plan": "business",
}


def chat_body(model: str) -> dict[str, object]:
    return {"model": model, "messages": MESSAGES, "max_tokens": 200}


UNIQUE_MARKER = "#N#"
"""Replaced by a new text on every request by the load generators (bench/post.lua)."""


def with_unique_prompt(body: dict[str, object]) -> dict[str, object]:
    """`body` whose user text ends with the marker, so every request's prompt is new."""
    suffix = f" (ref {UNIQUE_MARKER})"
    if "message" in body:  # a gateway agent's input
        return {**body, "message": f"{body['message']}{suffix}"}
    messages = [dict(m) for m in body["messages"]]  # type: ignore[attr-defined]
    messages[-1]["content"] += suffix
    return {**body, "messages": messages}


def routing_yaml(upstream_port: int, prefix: str = "") -> str:
    """The default routing table with every deployment an `openai` one at the fake upstream
    (`prefix` "/sse": where it answers with a stream, bench/upstream.py)."""
    endpoint = f"http://127.0.0.1:{upstream_port}{prefix}/v1"
    deployments = [
        ("deepseek-r1", "DeepSeek-R1", "eastus2", 0.00135, 0.0054),
        ("mistral-large", "Mistral-Large-2411", "francecentral", 0.002, 0.006),
        ("llama-3.3-70b", "Llama-3.3-70B-Instruct", "eastus2", 0.00071, 0.00071),
        ("legacy-gpt-4o", "gpt-4o", "us", 0.0025, 0.01),
    ]
    lines = ["classifier: local", "legacy_deployment: legacy-gpt-4o", "deployments:"]
    for name, model, region, p_in, p_out in deployments:
        lines += [
            f"  - name: {name}",
            "    provider: openai",
            f"    endpoint: {endpoint}",
            f"    model: {model}",
            f"    region: {region}",
            f"    price: {{input_per_1k: {p_in}, output_per_1k: {p_out}}}",
        ]
    rules = [
        ("reasoning", "{type: [math, coding], complexity: [high]}", "deepseek-r1, llama-3.3-70b"),
        ("french", "{language: [fr]}", "mistral-large, llama-3.3-70b"),
        ("vip", "{tier: [vip]}", "llama-3.3-70b, mistral-large"),
        ("creative", "{type: [creative]}", "llama-3.3-70b, mistral-large"),
        ("chat", "{type: [chat]}", "llama-3.3-70b, mistral-large"),
    ]
    lines.append("rules:")
    for name, when, chain in rules:
        lines += [f"  - name: {name}", f"    when: {when}", f"    chain: [{chain}]"]
    lines += ["  - name: default", "    chain: [llama-3.3-70b, mistral-large]"]
    return "\n".join(lines) + "\n"


def litellm_yaml(upstream_port: int) -> str:
    return (
        "model_list:\n"
        "  - model_name: bench-model\n"
        "    litellm_params:\n"
        "      model: openai/bench-model\n"
        f"      api_base: http://127.0.0.1:{upstream_port}/v1\n"
        "      api_key: sk-bench-not-a-secret\n"
    )


def base_env() -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
    return {k: os.environ[k] for k in keep if k in os.environ}


def ensure_python_deps() -> None:
    """aiohttp (pass-through, open-loop generator) and py-spy are the bench's own needs."""
    missing = [m for m in ("aiohttp", "py-spy") if not _importable(m)]
    if missing:
        subprocess.run([str(VENV_BIN / "pip"), "install", "-q", *missing], check=True)


def _importable(name: str) -> bool:
    if name == "py-spy":
        return (VENV_BIN / "py-spy").exists()
    probe = subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True)
    return probe.returncode == 0


def ensure_litellm() -> str | None:
    """Path of the litellm CLI in bench/.litellm-venv (installed when missing), or None."""
    cli = LITELLM_VENV / "bin" / "litellm"
    if cli.exists():
        return str(cli)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(LITELLM_VENV)], check=True)
        pip = str(LITELLM_VENV / "bin" / "pip")
        subprocess.run([pip, "install", "-q", LITELLM_SPEC], check=True, timeout=900)
    except (subprocess.SubprocessError, OSError):
        return None
    return str(cli) if cli.exists() else None


@dataclass
class Target:
    """A process under test: one port, one URL, one request body."""

    name: str
    path: str
    body: dict[str, object]
    argv: list[str]
    env: dict[str, str] = field(default_factory=base_env)
    cpu: str = "1"
    startup_s: float = 60
    proc: subprocess.Popen[bytes] | None = None
    port: int = 0
    nginx: Nginx | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    @property
    def pid(self) -> int:
        if self.nginx is not None:
            return self.nginx.pid
        assert self.proc is not None
        return self.proc.pid

    def start(self, workdir: Path) -> Target:
        if self.name == "direct":
            self.nginx = Nginx(self.port, self.cpu).start()
            return self
        argv = [a.replace("{port}", str(self.port)) for a in self.argv]
        log = (workdir / f"{self.name}.log").open("wb")
        self.proc = subprocess.Popen(
            ["taskset", "-c", self.cpu, *argv],
            env=self.env,
            cwd=workdir,  # no stray .env file of the checkout is read
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_port(self.port, self.proc, self.startup_s)
        return self

    def stop(self) -> None:
        if self.nginx is not None:
            self.nginx.stop()
        if self.proc is not None:
            stop(self.proc)


Factory = Callable[[int, Path, int], "Target | str"]


def direct(upstream: int, workdir: Path, workers: int) -> Target:
    return Target("direct", "/v1/chat/completions", chat_body("bench-model"), [], port=free_port())


def passthrough(upstream: int, workdir: Path, workers: int) -> Target:
    argv = [sys.executable, str(HERE / "passthrough.py"), "--port", "{port}"]
    argv += ["--upstream", f"http://127.0.0.1:{upstream}"]
    return Target(
        "passthrough", "/v1/chat/completions", chat_body("bench-model"), argv, port=free_port()
    )


def _airouter(
    role: str,
    upstream: int,
    workdir: Path,
    workers: int,
    config: str = "routing.yaml",
    prefix: str = "",
) -> list[str]:
    (workdir / config).write_text(routing_yaml(upstream, prefix))
    argv = [str(VENV_BIN / "airouter"), "serve", "--role", role, "--port", "{port}"]
    return [*argv, "--workers", str(workers)]


STREAM_CONFIG = "routing-stream.yaml"


def airouter_env(workdir: Path, config: str = "routing.yaml") -> dict[str, str]:
    return {
        **base_env(),
        "AIROUTER_CONFIG": str(workdir / config),
        "AIROUTER_LOG_LEVEL": "info",  # production logging stays on for the headline numbers
        "AIROUTER_LOG_FORMAT": "json",
        "AIROUTER_STATE_URL": f"sqlite:///{workdir}/state.db",
    }


def router(upstream: int, workdir: Path, workers: int) -> Target:
    argv = _airouter("router", upstream, workdir, workers)
    t = Target("router", "/v1/chat/completions", chat_body("auto"), argv, airouter_env(workdir))
    t.port = free_port()
    return t


def router_stream(upstream: int, workdir: Path, workers: int) -> Target:
    """The router streaming (`stream: true`): the upstream's SSE answer relayed chunk by
    chunk (bench/upstream.py's stream_body, 20 content chunks + usage + [DONE])."""
    argv = _airouter("router", upstream, workdir, workers, STREAM_CONFIG, prefix="/sse")
    body = {**chat_body("auto"), "stream": True, "stream_options": {"include_usage": True}}
    env = airouter_env(workdir, STREAM_CONFIG)
    t = Target("router-stream", "/v1/chat/completions", body, argv, env)
    t.port = free_port()
    return t


def gateway(upstream: int, workdir: Path, workers: int) -> Target:
    argv = _airouter("all", upstream, workdir, workers)
    env = {**airouter_env(workdir), "AI_PROVIDER": "foundry"}
    t = Target("gateway", "/api/ai/chat", dict(GATEWAY_BODY), argv, env)
    t.port = free_port()
    return t


def litellm(upstream: int, workdir: Path, workers: int) -> Target | str:
    cli = ensure_litellm()
    if cli is None:
        return f"could not install {LITELLM_SPEC} into {LITELLM_VENV}"
    (workdir / "litellm.yaml").write_text(litellm_yaml(upstream))
    argv = [cli, "--config", str(workdir / "litellm.yaml"), "--host", "127.0.0.1"]
    argv += ["--port", "{port}", "--num_workers", "1"]
    env = {**base_env(), "LITELLM_LOCAL_MODEL_COST_MAP": "True"}  # its default logging
    t = Target("litellm", "/v1/chat/completions", chat_body("bench-model"), argv, env)
    t.port, t.startup_s = free_port(), 180
    return t


FACTORIES: dict[str, Factory] = {
    "direct": direct,
    "passthrough": passthrough,
    "router": router,
    "router-stream": router_stream,
    "gateway": gateway,
    "litellm": litellm,
}


def write_body(target: Target, workdir: Path) -> Path:
    path = workdir / f"{target.name}.body.json"
    path.write_text(json.dumps(target.body))
    return path
