"""The process-level settings of `airouter.server`: garbage collection, shared metrics."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from airouter.errors import ConfigError
from airouter.metrics import MULTIPROCESS_DIR_ENV, forget_dead_workers
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
    stale = ("counter_41.db", "histogram_41.db", "gauge_livesum_41.db", "gauge_all_41.db")
    for name in (*stale, "README", "users.db", "counter_x.db"):
        (named / name).write_text("from an earlier run")
    monkeypatch.setenv(MULTIPROCESS_DIR_ENV, str(named))
    with shared_metrics(workers=1) as used:  # set by hand: shared even by one worker
        assert used == named
        assert sorted(p.name for p in named.iterdir()) == ["README", "counter_x.db", "users.db"]
    assert named.is_dir() and os.environ[MULTIPROCESS_DIR_ENV] == str(named)


@pytest.mark.parametrize("value", ["", "file"])
def test_a_metrics_directory_that_cannot_be_used_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str
) -> None:
    if value:
        (tmp_path / value).write_text("not a directory")
        value = str(tmp_path / value)
    monkeypatch.setenv(MULTIPROCESS_DIR_ENV, value)
    with pytest.raises(ConfigError, match=MULTIPROCESS_DIR_ENV), shared_metrics(workers=2):
        pass


def test_a_scrape_forgets_the_live_gauges_of_workers_that_died_without_shutting_down(
    tmp_path: Path,
) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    dead, alive = int(gone.stdout), os.getpid()
    names = [f"gauge_livemax_{dead}.db", f"gauge_livesum_{dead}.db", f"counter_{dead}.db"]
    names += [f"gauge_livesum_{alive}.db", f"gauge_all_{dead}.db"]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    forget_dead_workers(tmp_path)
    left = sorted(p.name for p in tmp_path.iterdir())
    # Its counters keep counting and gauges not marked "live" are kept by design.
    assert left == sorted(
        [f"counter_{dead}.db", f"gauge_livesum_{alive}.db", f"gauge_all_{dead}.db"]
    )
