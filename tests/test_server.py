"""The process-level settings `airouter.server` applies once the app is built."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from airouter.server import GC_YOUNG_THRESHOLD, tune_gc


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
