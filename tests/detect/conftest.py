"""One detector for the detection tests: building it loads lingua's models."""

from __future__ import annotations

import pytest

from airouter.detect import Detector


@pytest.fixture(scope="session")
def detector() -> Detector:
    return Detector()
