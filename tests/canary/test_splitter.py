"""Seed property 1 (feature-flag routing) and property 5's stickiness and monotonicity."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airouter.canary.splitter import bucket, in_canary, select_provider

ids = st.text(min_size=1, max_size=40)
percent = st.integers(min_value=0, max_value=100)


@pytest.mark.parametrize(
    ("key", "expected"),
    [  # Unleash client-specification vectors
        ("Feature.flexibleRollout.10:174", 10),
        ("Feature.flexibleRollout.10:499", 32),
        ("Feature.flexibleRollout.userId.55:25", 55),
        ("Feature.flexibleRollout.sessionId.42:147", 42),
        ("AB12A:122", 23),
        ("AB12A:155", 100),
    ],
)
def test_bucketing_matches_unleash(key: str, expected: int) -> None:
    assert bucket(key) == expected


@given(user=ids, mode=st.sampled_from(["foundry", "legacy"]), pct=percent)
def test_a_fixed_provider_flag_wins_over_the_percentage(user: str, mode: str, pct: int) -> None:
    assert select_provider(mode, "m", user, pct) == mode  # type: ignore[arg-type]


@given(user=ids)
def test_zero_percent_is_all_legacy_and_hundred_is_all_foundry(user: str) -> None:
    assert select_provider("canary", "m", user, 0) == "legacy"
    assert select_provider("canary", "m", user, 100) == "foundry"


@given(user=ids, low=percent, high=percent)
def test_raising_the_percentage_never_moves_a_user_out(user: str, low: int, high: int) -> None:
    low, high = sorted((low, high))
    if in_canary("m", user, low):
        assert in_canary("m", user, high)


@given(user=ids, pct=percent)
def test_the_same_user_always_lands_on_the_same_side(user: str, pct: int) -> None:
    first = select_provider("canary", "m", user, pct)
    assert all(select_provider("canary", "m", user, pct) == first for _ in range(5))


@pytest.mark.parametrize("pct", [1, 10, 25, 50, 90])
def test_a_population_splits_close_to_the_percentage(pct: int) -> None:
    users = [f"creator-{i}" for i in range(20_000)]
    share = sum(in_canary("foundry-migration", u, pct) for u in users) / len(users)
    assert abs(share * 100 - pct) < 1.5
