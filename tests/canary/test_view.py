"""The canary view: a fleet's instances see a change within the cache's ttl."""

from __future__ import annotations

from structlog.testing import capture_logs

from airouter.canary.view import CanaryView
from airouter.state import CanaryState, MemoryStore, StateUnavailable


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class FlakyStore(MemoryStore):
    """A memory store whose reads fail while `down` is set."""

    down = False

    async def get_canary(self, migration: str) -> CanaryState | None:
        if self.down:
            raise StateUnavailable("store unreachable")
        return await super().get_canary(migration)


async def test_another_instances_change_is_seen_once_the_cache_expires() -> None:
    store, clock = MemoryStore(), Clock()
    mine = CanaryView("m", ttl=1.0, clock=clock)
    theirs = CanaryView("m", ttl=1.0, clock=clock)
    await mine.start(store, 10)
    await theirs.start(store, 99)  # a second instance starting later keeps the stored 10
    assert await theirs.percentage() == 10
    await theirs.set(0, actor="controller", reason="rollback", kind="canary_rollback")
    clock.now = 0.5
    assert await mine.percentage() == 10  # still cached
    clock.now = 1.0
    assert await mine.percentage() == 0


async def test_a_set_is_recorded_as_an_event_with_its_evidence() -> None:
    store = MemoryStore()
    view = CanaryView("m", clock=Clock())
    await view.start(store, 5)
    await view.set(50, actor="admin", reason="ramp", kind="canary_set")
    [event] = await store.recent_events()
    assert event.kind == "canary_set"
    assert dict(event.data) == {
        "migration": "m",
        "from": 5,
        "to": 50,
        "actor": "admin",
        "reason": "ramp",
    }


async def test_a_store_outage_serves_the_last_known_split_and_says_so() -> None:
    store, clock = FlakyStore(), Clock()
    view = CanaryView("m", ttl=1.0, clock=clock)
    await view.start(store, 30)
    store.down = True
    clock.now = 5.0
    with capture_logs() as logs:
        assert await view.percentage() == 30
    assert [e["event"] for e in logs] == ["canary_state_stale"]
    store.down = False
    await store.set_canary("m", 0, actor="admin", reason="x")
    clock.now = 6.0
    assert await view.percentage() == 0
