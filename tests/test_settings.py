from pathlib import Path

import pytest

from airouter.errors import ConfigError
from airouter.settings import Settings, effective_environ, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Settings read the process environment and ./.env*: isolate both.
    for name in (
        "AI_PROVIDER",
        "AI_CANARY_PERCENTAGE",
        "AI_ROUTER_API_KEY",
        "AIROUTER_PORT",
        "AIROUTER_API_KEYS",
        "AI_FALLBACK_ENABLED",
        "AIROUTER_ENV",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults_need_no_environment() -> None:
    s = load_settings()
    assert (s.host, s.port, s.provider, s.router_api_key) == ("127.0.0.1", 8080, "canary", None)
    assert s.max_body_bytes == 1024 * 1024


def test_env_local_wins_over_env_and_the_environment_wins_over_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("AIROUTER_PORT=9001\nAI_CANARY_PERCENTAGE=5\n")
    (tmp_path / ".env.local").write_text("AIROUTER_PORT=9002\n")
    assert load_settings().port == 9002
    assert load_settings().canary_percentage == 5
    monkeypatch.setenv("AIROUTER_PORT", "9003")
    assert load_settings().port == 9003


def test_settings_are_immutable() -> None:
    s = load_settings()
    with pytest.raises(ValueError, match="frozen"):
        s.port = 1


@pytest.mark.parametrize(
    ("name", "value", "fix"),
    [
        ("AI_PROVIDER", "azure", "set it to 'foundry', 'legacy' or 'canary'"),
        ("AI_CANARY_PERCENTAGE", "150", "whole number from 0 to 100"),
        ("AIROUTER_PORT", "http", "TCP port number"),
        ("AI_FALLBACK_ENABLED", "maybe", "true or false"),
    ],
)
def test_a_bad_value_names_the_key_and_the_fix(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, fix: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert name in caught.value.message
    assert fix in caught.value.message


def test_client_keys_split_on_commas_and_secrets_are_never_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AIROUTER_API_KEYS", " k1 , k2,,")
    monkeypatch.setenv("AI_ROUTER_API_KEY", "router-secret")
    s = load_settings()
    assert [k.get_secret_value() for k in s.client_api_keys] == ["k1", "k2"]
    assert "router-secret" not in repr(s)
    assert "k1" not in repr(s)


def test_a_blank_router_key_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AI_ROUTER_API_KEY", "  ")
    assert Settings().router_api_key is None


def test_deployment_keys_may_live_in_env_files_under_the_real_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("AZURE_KEY=from-env\nOTHER=a\n")
    (tmp_path / ".env.local").write_text("AZURE_KEY=from-env-local\n")
    monkeypatch.setenv("OTHER", "from-process")
    environ = effective_environ()
    assert environ["AZURE_KEY"] == "from-env-local"
    assert environ["OTHER"] == "from-process"
