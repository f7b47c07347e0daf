"""`airouter` command line: serve, route (explain a decision)."""

from __future__ import annotations

import os
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any, NoReturn

import orjson
import typer
import uvicorn
from rich.console import Console
from rich.table import Table

from airouter.config.load import load_routing_config
from airouter.detect import Detector
from airouter.detect.evaluate import evaluate, load_eval, render_report
from airouter.errors import ConfigError
from airouter.logs import configure_logging
from airouter.router.schemas import RouteBody
from airouter.router.service import plan_for
from airouter.routing.signals import Hints, needs_detection
from airouter.server import ROLE_ENV, preflight, shared_metrics
from airouter.settings import Role, load_settings

app = typer.Typer(
    help="airouter: route every AI request to the model deployment that fits it.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True)


def _fail(message: str) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(2)


@app.command()
def serve(
    role: Annotated[str, typer.Option(help="all | router | gateway")] = "all",
    host: Annotated[str | None, typer.Option(help="bind address [default: 127.0.0.1]")] = None,
    port: Annotated[int | None, typer.Option(help="port [default: 8080]")] = None,
    workers: Annotated[int, typer.Option(min=1, help="uvicorn worker processes")] = 1,
) -> None:
    """Run the service(s) under uvicorn."""
    if role not in ("all", "router", "gateway"):
        _fail(f"--role {role!r}: use all, router or gateway")
    try:
        settings = load_settings()
        configure_logging(settings.log_level, settings.log_format)
        preflight(settings, role)  # fail here, before binding, with a clear message
    except ConfigError as exc:
        _fail(exc.message)
    os.environ[ROLE_ENV] = role
    with ExitStack() as stack:
        try:
            stack.enter_context(shared_metrics(workers))  # one /metrics for all workers
        except ConfigError as exc:
            _fail(exc.message)
        uvicorn.run(
            "airouter.server:create_app",
            factory=True,
            host=host or settings.host,
            port=port or settings.port,
            workers=workers,
            log_level="warning",
            access_log=False,
            proxy_headers=False,
            timeout_graceful_shutdown=10,
        )


@app.command()
def route(
    prompt: Annotated[str | None, typer.Argument(help="the prompt to route")] = None,
    type_hint: Annotated[str | None, typer.Option(help="chat | math | coding | creative")] = None,
    language_hint: Annotated[str | None, typer.Option(help="ISO 639-1 code, e.g. fr")] = None,
    tier: Annotated[str | None, typer.Option(help="standard | vip")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    eval_file: Annotated[Path | None, typer.Option("--eval", help="score a labelled JSONL")] = None,
) -> None:
    """Explain where a prompt would go (no model is called), or score the detector."""
    if eval_file is not None:
        _evaluate(eval_file)
        return
    if not prompt:
        _fail("give a prompt, or --eval FILE.jsonl")
    try:
        explanation = _explain(prompt, type_hint, language_hint, tier)
    except (ConfigError, ValueError) as exc:
        _fail(str(exc))
    if as_json:
        sys.stdout.write(orjson.dumps(explanation, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    table = Table(show_header=False, box=None)
    for key, value in explanation.items():
        table.add_row(f"[bold]{key}[/]", str(value))
    console.print(table)


def _explain(
    prompt: str, type_hint: str | None, language_hint: str | None, tier: str | None
) -> dict[str, Any]:
    body = RouteBody.model_validate(
        {
            "prompt": prompt,
            "type_hint": type_hint,
            "language_hint": language_hint,
            "client_tier": tier,
        }
    )
    settings = load_settings()
    config = load_routing_config(settings.config_path)
    hints: Hints = body.hints()
    messages = body.messages()
    # The local detector only: explaining a decision never calls a model.
    detection = Detector().detect_messages(messages) if needs_detection(hints) else None
    plan = plan_for(config.rules, hints, detection)
    s, decision = plan.resolved.signals, plan.decision
    return {
        "type": s.type,
        "complexity": s.complexity,
        "language": s.language,
        "tier": s.tier,
        "rule": decision.rule,
        "chain": list(decision.chain),
        "deployment": decision.chain[0],
        "reason": plan.resolved.reason,
    }


def _evaluate(path: Path) -> None:
    render_report(evaluate(Detector(), load_eval(path)), console)


def main() -> None:
    app()


__all__ = ["Role", "app", "main"]
