"""The `StateStore` contract, proved once for every backend (memory, SQLite, Redis)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from airouter.errors import InvalidRequest
from airouter.state import CanaryState, Event, StaleState, StateStore, StateUnavailable
from tests.state.conftest import Backend
from tests.state.fakes import START

MIGRATION = "legacy-to-foundry"


# -- canary ----------------------------------------------------------------------------


async def test_a_canary_never_set_is_none(store: StateStore) -> None:
    assert await store.get_canary(MIGRATION) is None


async def test_init_sets_the_canary_at_version_one(store: StateStore) -> None:
    state = await store.init_canary(MIGRATION, 10, actor="env", reason="initial")

    assert state == CanaryState(10, 1, START, "initial", "env")
    assert await store.get_canary(MIGRATION) == state


async def test_init_only_once_returns_the_current_state(backend: Backend) -> None:
    first = await backend.store.init_canary(MIGRATION, 10, actor="env", reason="initial")
    backend.clock.advance(5)

    again = await backend.store.init_canary(MIGRATION, 50, actor="env", reason="restart")

    assert again == first
    assert await backend.store.get_canary(MIGRATION) == first


async def test_init_after_a_rollback_keeps_the_rollback(store: StateStore) -> None:
    await store.init_canary(MIGRATION, 10, actor="env", reason="initial")
    rolled_back = await store.set_canary(
        MIGRATION, 0, actor="controller", reason="rollback: error rate 12% > 5%"
    )

    after_restart = await store.init_canary(MIGRATION, 10, actor="env", reason="initial")

    assert after_restart == rolled_back
    assert after_restart.percentage == 0


async def test_set_increments_the_version_and_stamps_the_clock(backend: Backend) -> None:
    store = backend.store
    first = await store.set_canary(MIGRATION, 20, actor="admin", reason="set by admin")
    backend.clock.advance(60)
    second = await store.set_canary(MIGRATION, 30, actor="cli", reason="progress")

    assert first == CanaryState(20, 1, START, "set by admin", "admin")
    assert second == CanaryState(30, 2, START + 60, "progress", "cli")
    assert await store.get_canary(MIGRATION) == second


async def test_set_to_the_same_percentage_is_still_a_change(store: StateStore) -> None:
    await store.set_canary(MIGRATION, 20, actor="admin", reason="a")
    again = await store.set_canary(MIGRATION, 20, actor="admin", reason="b")

    assert (again.version, again.reason) == (2, "b")


async def test_set_with_the_current_version_wins(store: StateStore) -> None:
    current = await store.init_canary(MIGRATION, 10, actor="env", reason="initial")

    new = await store.set_canary(
        MIGRATION, 25, actor="controller", reason="promote", expected_version=current.version
    )

    assert (new.percentage, new.version) == (25, 2)


async def test_set_with_a_stale_version_raises_and_changes_nothing(store: StateStore) -> None:
    await store.init_canary(MIGRATION, 10, actor="env", reason="initial")
    winner = await store.set_canary(MIGRATION, 0, actor="admin", reason="x", expected_version=1)

    with pytest.raises(StaleState) as caught:
        await store.set_canary(MIGRATION, 50, actor="controller", reason="y", expected_version=1)

    assert (caught.value.expected, caught.value.actual) == (1, 2)
    assert caught.value.migration == MIGRATION
    assert await store.get_canary(MIGRATION) == winner


async def test_expected_version_zero_means_never_set(store: StateStore) -> None:
    created = await store.set_canary(MIGRATION, 5, actor="cli", reason="x", expected_version=0)

    with pytest.raises(StaleState):
        await store.set_canary(MIGRATION, 6, actor="cli", reason="y", expected_version=0)
    assert created.version == 1


async def test_migrations_are_independent(store: StateStore) -> None:
    await store.set_canary("a", 10, actor="admin", reason="x")
    await store.set_canary("a", 20, actor="admin", reason="x")
    b = await store.set_canary("b", 70, actor="admin", reason="x")

    assert (b.version, b.percentage) == (1, 70)
    assert (await store.get_canary("a")) == CanaryState(20, 2, START, "x", "admin")


@pytest.mark.parametrize("percentage", [-1, 101, 1000, True, 12.5, "10"])
async def test_a_percentage_outside_0_to_100_is_refused(store: StateStore, percentage: Any) -> None:
    with pytest.raises(InvalidRequest):
        await store.set_canary(MIGRATION, percentage, actor="admin", reason="x")
    with pytest.raises(InvalidRequest):
        await store.init_canary(MIGRATION, percentage, actor="env", reason="x")

    assert await store.get_canary(MIGRATION) is None


@pytest.mark.parametrize("percentage", [0, 1, 100])
async def test_the_bounds_are_accepted(store: StateStore, percentage: int) -> None:
    state = await store.set_canary(MIGRATION, percentage, actor="admin", reason="x")

    assert (await store.get_canary(MIGRATION)) == state
    assert state.percentage == percentage


async def test_text_fields_round_trip_verbatim(store: StateStore) -> None:
    reason = "rollback: p95 5.2 s > 5 s — «évaluation» 🚨\nline two"
    await store.set_canary("mig:with:colons", 0, actor="controller", reason=reason)

    state = await store.get_canary("mig:with:colons")

    assert state is not None and state.reason == reason


async def test_concurrent_compare_and_set_has_exactly_one_winner(store: StateStore) -> None:
    await store.init_canary(MIGRATION, 10, actor="env", reason="initial")

    results = await asyncio.gather(
        *(
            store.set_canary(MIGRATION, p, actor="controller", reason=f"{p}", expected_version=1)
            for p in range(20)
        ),
        return_exceptions=True,
    )

    winners = [r for r in results if isinstance(r, CanaryState)]
    assert len(winners) == 1
    assert all(isinstance(r, StaleState) for r in results if r not in winners)
    assert await store.get_canary(MIGRATION) == winners[0]
    assert winners[0].version == 2


async def test_concurrent_inits_agree_on_one_state(store: StateStore) -> None:
    results = await asyncio.gather(
        *(store.init_canary(MIGRATION, p, actor="env", reason=f"{p}") for p in range(20))
    )

    assert len(set(results)) == 1
    assert results[0].version == 1


async def test_concurrent_unconditional_sets_each_get_a_version(store: StateStore) -> None:
    results = await asyncio.gather(
        *(store.set_canary(MIGRATION, p, actor="admin", reason="x") for p in range(20))
    )

    assert sorted(r.version for r in results) == list(range(1, 21))
    final = await store.get_canary(MIGRATION)
    assert final is not None and final.version == 20


# -- events ----------------------------------------------------------------------------


def event(kind: str, at: float, **data: Any) -> Event:
    return Event(kind=kind, at=at, data=data)


async def test_append_assigns_growing_ids_and_keeps_the_rest(store: StateStore) -> None:
    first = await store.append_event(event("canary_set", 1.0, percentage=10))
    second = await store.append_event(event("alert", 2.5, message="p95 high"))

    assert first.id is not None and second.id is not None
    assert second.id > first.id
    assert (second.kind, second.at, dict(second.data)) == ("alert", 2.5, {"message": "p95 high"})


async def test_recent_events_are_newest_first(store: StateStore) -> None:
    for i in range(5):
        await store.append_event(event("canary_set", float(i), n=i))

    recent = await store.recent_events()

    assert [e.data["n"] for e in recent] == [4, 3, 2, 1, 0]
    assert [e.id for e in recent] == sorted((e.id for e in recent), reverse=True)  # type: ignore[type-var]


async def test_recent_events_honour_the_limit(store: StateStore) -> None:
    for i in range(5):
        await store.append_event(event("alert", float(i), n=i))

    assert [e.data["n"] for e in await store.recent_events(limit=2)] == [4, 3]
    assert await store.recent_events(limit=0) == []


async def test_recent_events_filter_by_kind(store: StateStore) -> None:
    kinds = ["canary_set", "alert", "canary_rollback", "alert", "canary_set", "alert"]
    for i, kind in enumerate(kinds):
        await store.append_event(event(kind, float(i), n=i))

    alerts = await store.recent_events(kind="alert")
    latest_alert = await store.recent_events(limit=1, kind="alert")

    assert [e.data["n"] for e in alerts] == [5, 3, 1]
    assert all(e.kind == "alert" for e in alerts)
    assert [e.data["n"] for e in latest_alert] == [5]
    assert await store.recent_events(kind="canary_promote") == []


async def test_recent_events_equal_what_append_returned(store: StateStore) -> None:
    appended = await store.append_event(event("canary_rollback", 3.25, evidence={"n": 1}))

    assert await store.recent_events() == [appended]


async def test_event_data_round_trips_as_json(store: StateStore) -> None:
    data = {
        "evidence": {"error_rate": 0.12, "threshold": 0.05, "samples": 250},
        "providers": ["foundry", "legacy"],
        "note": "«ça» 🚨",
        "ok": False,
        "missing": None,
    }
    await store.append_event(Event(kind="canary_rollback", at=START, data=data))

    [stored] = await store.recent_events()

    assert stored.data == data
    assert stored.at == START


async def test_event_data_that_is_not_json_is_refused(store: StateStore) -> None:
    with pytest.raises(TypeError):
        await store.append_event(Event(kind="alert", at=1.0, data={"when": object()}))

    assert await store.recent_events() == []


async def test_the_caller_does_not_share_the_stored_data(store: StateStore) -> None:
    data: dict[str, Any] = {"items": [1]}
    appended = await store.append_event(Event(kind="alert", at=1.0, data=data))
    data["items"].append(2)

    [stored] = await store.recent_events()

    assert stored.data == {"items": [1]} == appended.data


async def test_concurrent_appends_get_distinct_ids(store: StateStore) -> None:
    results = await asyncio.gather(
        *(store.append_event(event("alert", 1.0, n=i)) for i in range(20))
    )

    assert len({e.id for e in results}) == 20
    assert len(await store.recent_events(limit=100)) == 20


# -- cooldowns -------------------------------------------------------------------------


async def test_a_cooldown_is_acquired_once_while_active(store: StateStore) -> None:
    assert await store.try_acquire_cooldown("alert:error_rate", 60)
    assert not await store.try_acquire_cooldown("alert:error_rate", 60)
    assert await store.try_acquire_cooldown("alert:p95", 60)


async def test_a_cooldown_can_be_acquired_again_after_it_expires(backend: Backend) -> None:
    store = backend.store
    assert await store.try_acquire_cooldown("rollback", 0.2)

    await backend.elapse(0.3)

    assert await store.try_acquire_cooldown("rollback", 0.2)
    assert not await store.try_acquire_cooldown("rollback", 0.2)


async def test_concurrent_acquires_have_exactly_one_winner(store: StateStore) -> None:
    results = await asyncio.gather(*(store.try_acquire_cooldown("alert", 60) for _ in range(20)))

    assert results.count(True) == 1


@pytest.mark.parametrize("seconds", [0, -1.0])
async def test_a_cooldown_must_be_positive(store: StateStore, seconds: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        await store.try_acquire_cooldown("alert", seconds)


# -- lifecycle -------------------------------------------------------------------------


async def test_ping_answers_while_open_and_not_after_close(store: StateStore) -> None:
    assert await store.ping()

    await store.close()
    await store.close()

    assert not await store.ping()


async def test_a_closed_store_refuses_work(store: StateStore) -> None:
    await store.close()

    with pytest.raises(StateUnavailable, match="closed"):
        await store.get_canary(MIGRATION)
