"""A fake monotonic clock whose sleep only moves time, and a scripted upstream call."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field


@dataclass
class FakeClock:
    now: float = 1_000.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Script:
    """An upstream call that answers with each scripted item in turn (errors are raised)."""

    def __init__(self, items: Iterable[BaseException | str], clock: FakeClock, took: float = 0.0):
        self._items: Iterator[BaseException | str] = iter(items)
        self._clock = clock
        self._took = took
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        self._clock.advance(self._took)
        item = next(self._items)
        if isinstance(item, BaseException):
            raise item
        return item
