"""The process-level settings of `airouter.server`: garbage collection, shared metrics."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from airouter.metrics import MULTIPROCESS_DIR_ENV
from airouter.server import GC_YOUNG_THRESHOLD, shared_metrics, tune_gc


@pytest.fixture
def restored_gc() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


@pytest.mark.usefixtures("restored_gc")
def test_tune_gc_freezes_the_startup_heap_and_widens_the_young_generation() -> None:
    _, older, oldest = gc.get_threshold()
    gc.unfreeze()
    tune_gc()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, older, oldest)


def test_several_workers_share_metrics_in_a_directory_that_goes_with_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(MULTIPROCESS_DIR_ENV, raising=False)
    with shared_metrics(workers=1) as none:
        assert none is None and MULTIPROCESS_DIR_ENV not in os.environ  # one process: in memory
    with shared_metrics(workers=2) as made:
        assert made is not None and made.is_dir()
        assert os.environ[MULTIPROCESS_DIR_ENV] == str(made)  # what the workers will read
        (made / "counter_1.db").write_bytes(b"")
    assert not made.exists() and MULTIPROCESS_DIR_ENV not in os.environ


def test_a_metrics_directory_the_operator_names_is_kept_and_emptied_of_stale_values(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    named = tmp_path / "metrics"
    named.mkdir()
    for name in ("counter_41.db", "gauge_livesum_41.db", "README"):
        (named / name).write_text("from an earlier run")
    monkeypatch.setenv(MULTIPROCESS_DIR_ENV, str(named))
    with shared_metrics(workers=1) as used:  # set by hand: shared even by one worker
        assert used == named
        assert [p.name for p in named.iterdir()] == ["README"]
    assert named.is_dir() and os.environ[MULTIPROCESS_DIR_ENV] == str(named)
