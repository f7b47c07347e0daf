from pathlib import Path

import pytest

from airouter.config import load_routing_config
from airouter.errors import ConfigError

VALID = """
deployments:
  - {name: a, provider: simulated, model: A}
  - name: real
    provider: openai
    model: gpt-4o
    endpoint: https://api.example.test/v1
    api_key_env: REAL_KEY
rules:
  - {name: fr, when: {language: [fr]}, chain: [real, a]}
  - {name: default, chain: [a]}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "routing.yaml"
    path.write_text(text)
    return path


def test_the_shipped_default_loads_without_any_keys() -> None:
    config = load_routing_config(environ={})
    assert {d.name for d in config.deployments} >= {"deepseek-r1", "mistral-large", "llama-3.3-70b"}
    assert all(d.provider == "simulated" for d in config.deployments)


def test_a_valid_file_loads_when_its_keys_are_set(tmp_path: Path) -> None:
    config = load_routing_config(write(tmp_path, VALID), {"REAL_KEY": "k"})
    assert config.deployment("real").endpoint == "https://api.example.test/v1"
    assert [r.name for r in config.rules] == ["fr", "default"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            VALID.replace("chain: [real, a]", "chain: [real, ghost]"),
            "rule 'fr' names unknown deployment(s): ghost",
        ),
        (VALID.replace("{name: a,", "{name: real,"), "duplicate deployment names: real"),
        (
            VALID.replace(
                "{name: default, chain: [a]}", "{name: last, when: {tier: [vip]}, chain: [a]}"
            ),
            "must match everything",
        ),
        ("deployments: [unclosed", "not valid YAML"),
        ("- just\n- a list\n", "expected a mapping"),
        (VALID.replace("provider: openai", "provider: openia"), "deployments.1.provider"),
        (
            VALID.replace("endpoint: https://api.example.test/v1", "endpoint: ftp://x"),
            "needs an http(s) endpoint",
        ),
        (
            VALID.replace("model: A}", "model: A, price: {input_per_1k: -1, output_per_1k: 0}}"),
            "deployments.0.price.input_per_1k",
        ),
    ],
)
def test_an_invalid_config_fails_at_load_with_a_precise_message(
    tmp_path: Path, text: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_routing_config(write(tmp_path, text), {"REAL_KEY": "k"})
    assert expected in caught.value.message
    assert str(tmp_path) in caught.value.message


def test_a_missing_key_variable_names_the_deployment_and_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"deployment 'real' reads its key from REAL_KEY"):
        load_routing_config(write(tmp_path, VALID), {})


def test_an_unreadable_path_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"AIROUTER_CONFIG=.*cannot read it"):
        load_routing_config(tmp_path / "missing.yaml", {})


def test_the_shipped_real_world_example_is_valid_once_its_keys_are_set() -> None:
    example = Path(__file__).parents[2] / "examples" / "azure-foundry.yaml"
    keys = {"AZURE_AI_KEY": "k", "AZURE_OPENAI_KEY": "k"}
    config = load_routing_config(example, keys)
    assert config.deployment("legacy-gpt-4o").azure_api == "openai"
    with pytest.raises(ConfigError, match="AZURE_OPENAI_KEY"):
        load_routing_config(example, {"AZURE_AI_KEY": "k"})
