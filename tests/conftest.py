"""Shared fixtures. Logic lives in tests/support and tests/fakes; this file only wires it."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import structlog
from hypothesis import HealthCheck, settings

from tests.fakes.control import FakeUpstream, run_fake_upstream
from tests.support.procs import redis_command, start_redis

# CI runs the same examples every time (a red build is reproducible, never luck);
# local runs explore new examples. Neither fails on timing: this machine is shared.
settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session")
def fake_upstream_session() -> Iterator[FakeUpstream]:
    """One fake upstream process for the whole run."""
    with run_fake_upstream() as fake:
        yield fake


@pytest.fixture
def fake_upstream(fake_upstream_session: FakeUpstream) -> FakeUpstream:
    """The shared fake upstream, reset (scripts, keys, hits, records) for this test."""
    fake_upstream_session.reset()
    return fake_upstream_session


@pytest.fixture(scope="session")
def redis_session() -> Iterator[str]:
    """One Redis for the whole run: ``REDIS_URL`` or a throwaway ``redis-server``."""
    try:
        with start_redis() as url:
            yield url
    except FileNotFoundError as exc:
        if os.environ.get("CI"):  # .ci/run installs redis-server: never skip silently there
            raise
        pytest.skip(str(exc))


@pytest.fixture
def redis_url(redis_session: str) -> str:
    """A Redis URL whose database is empty at the start of the test."""
    redis_command(redis_session, "FLUSHDB")
    return redis_session


@pytest.fixture(autouse=True)
def _fresh_logging() -> Iterator[None]:
    """No test inherits another's structlog setup (the CLI's points at a stream it closes)."""
    yield
    structlog.reset_defaults()
