"""Reading AIROUTER_STATE_URL: the scheme, the SQLite path, and printing it without secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from airouter.errors import ConfigError
from airouter.state.url import redact, scheme_of, scrub, sqlite_path


@pytest.mark.parametrize(
    ("url", "scheme"),
    [
        ("memory://", "memory"),
        ("sqlite:///state.sqlite3", "sqlite"),
        ("SQLITE:///state.sqlite3", "sqlite"),
        ("redis://localhost:6379/0", "redis"),
        ("rediss://cache.example:6380/1", "rediss"),
        ("unix:///run/redis.sock?db=2", "unix"),
    ],
)
def test_known_schemes(url: str, scheme: str) -> None:
    assert scheme_of(url) == scheme


@pytest.mark.parametrize(
    "url", ["postgres://db/airouter", "state.sqlite3", "", "file:///tmp/x", "http://redis"]
)
def test_an_unknown_form_names_the_variable_and_the_accepted_forms(url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        scheme_of(url)

    message = caught.value.message
    assert "AIROUTER_STATE_URL" in message
    assert all(form in message for form in ("memory://", "sqlite:///", "redis://"))


def test_an_unknown_form_does_not_print_its_password() -> None:
    with pytest.raises(ConfigError) as caught:
        scheme_of("postgres://admin:s3cret@db/airouter")

    assert "s3cret" not in caught.value.message
    assert "postgres://admin:***@db/airouter" in caught.value.message


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///state.sqlite3", Path("state.sqlite3")),
        ("sqlite:///var/airouter/state.sqlite3", Path("var/airouter/state.sqlite3")),
        ("sqlite:////var/lib/airouter/state.sqlite3", Path("/var/lib/airouter/state.sqlite3")),
        ("sqlite:///with%20space.sqlite3", Path("with space.sqlite3")),
    ],
)
def test_sqlite_paths_are_relative_after_three_slashes_absolute_after_four(
    url: str, path: Path
) -> None:
    assert sqlite_path(url) == path


@pytest.mark.parametrize(
    "url", ["sqlite://", "sqlite:///", "sqlite://host/state.sqlite3", "sqlite:///a.db?mode=ro"]
)
def test_sqlite_urls_without_a_plain_path_are_refused(url: str) -> None:
    with pytest.raises(ConfigError, match="AIROUTER_STATE_URL"):
        sqlite_path(url)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://localhost:6379/0", "redis://localhost:6379/0"),
        ("redis://:secret@host:6379/0", "redis://:***@host:6379/0"),
        ("redis://user:secret@host:6379/0", "redis://user:***@host:6379/0"),
        ("rediss://user:p%40ss@host/0", "rediss://user:***@host/0"),
        ("redis://user@host/0", "redis://user@host/0"),
        ("unix:///run/redis.sock?db=1&password=secret", "unix:///run/redis.sock?db=1&password=***"),
    ],
)
def test_redact_masks_passwords_only(url: str, shown: str) -> None:
    assert redact(url) == shown


def test_scrub_masks_the_password_wherever_it_appears() -> None:
    url = "redis://user:p%40ss@host/0"

    assert scrub("auth failed for p@ss and p%40ss", url) == "auth failed for *** and ***"
    assert scrub("nothing secret", "redis://host/0") == "nothing secret"
