"""The memory backend beyond the shared contract: its clock and its bounded event log."""

from __future__ import annotations

from airouter.state import Event, MemoryStore
from tests.state.fakes import FakeClock


async def test_a_cooldown_ends_exactly_when_its_seconds_have_passed() -> None:
    clock = FakeClock()
    store = MemoryStore(clock=clock)
    assert await store.try_acquire_cooldown("alert", 60)

    clock.advance(59.9)
    assert not await store.try_acquire_cooldown("alert", 60)
    clock.advance(0.1)
    assert await store.try_acquire_cooldown("alert", 60)


async def test_the_event_log_keeps_only_the_newest() -> None:
    store = MemoryStore(clock=FakeClock(), max_events=3)
    for i in range(5):
        await store.append_event(Event(kind="alert", at=float(i), data={"n": i}))

    recent = await store.recent_events(limit=10)

    assert [(e.id, e.data["n"]) for e in recent] == [(5, 4), (4, 3), (3, 2)]
