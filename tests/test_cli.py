"""The `airouter` command line, through typer's runner (no server is started)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from airouter.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "AIROUTER_CONFIG",
        "AI_ROUTER_API_KEY",
        "AIROUTER_ENV",
        "AIROUTER_API_KEYS",
        "AIROUTER_ADMIN_KEY",
        "AI_ROUTER_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_route_explains_the_decision_as_json() -> None:
    result = runner.invoke(
        app, ["route", "Bonjour", "--type-hint", "chat", "--language-hint", "fr", "--json"]
    )
    assert result.exit_code == 0, result.output
    decision = json.loads(result.stdout)
    assert decision["deployment"] == "mistral-large"
    assert decision["rule"] == "french"
    assert decision["chain"] == ["mistral-large", "llama-3.3-70b"]


def test_route_rejects_an_unknown_hint_with_a_clear_message() -> None:
    result = runner.invoke(app, ["route", "hi", "--type-hint", "poetry"])
    assert result.exit_code == 2
    assert "type_hint" in result.output
    assert "Traceback" not in result.output


def test_serve_refuses_a_bad_config_before_binding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("deployments: [")
    monkeypatch.setenv("AIROUTER_CONFIG", str(bad))
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 2
    assert "not valid YAML" in result.output


@pytest.mark.parametrize(
    ("role", "missing"),
    [
        ("router", "AI_ROUTER_API_KEY"),
        ("all", "AI_ROUTER_API_KEY"),
        ("gateway", "AIROUTER_API_KEYS"),
    ],
)
def test_serve_in_production_refuses_to_start_without_keys(
    monkeypatch: pytest.MonkeyPatch, role: str, missing: str
) -> None:
    monkeypatch.setenv("AIROUTER_ENV", "production")
    result = runner.invoke(app, ["serve", "--role", role])
    assert result.exit_code == 2
    assert missing in result.output


def test_serve_gateway_needs_the_router_url(monkeypatch: pytest.MonkeyPatch) -> None:
    result = runner.invoke(app, ["serve", "--role", "gateway"])
    assert result.exit_code == 2
    assert "AI_ROUTER_URL" in result.output
