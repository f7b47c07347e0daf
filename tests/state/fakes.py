"""A settable clock for the state store tests."""

from __future__ import annotations

from dataclasses import dataclass

START = 1_700_000_000.0


@dataclass
class FakeClock:
    """Epoch seconds that move only when a test says so."""

    now: float = START

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
