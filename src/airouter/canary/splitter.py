"""Which arm serves a creator: Unleash's flexible-rollout rule, sticky and monotone.

`bucket("{migration}:{user}")` is murmur3_32 (seed 0) mod 100, plus 1, so it lies in
1..100; a user is in the canary iff their bucket <= percentage. Raising the
percentage only adds users, it never moves one out.
"""

from __future__ import annotations

from typing import Literal

import mmh3

Provider = Literal["foundry", "legacy"]
Mode = Literal["foundry", "legacy", "canary"]


def bucket(key: str) -> int:
    """1..100, the Unleash normalisation of murmur3_32(key, seed 0)."""
    return int(mmh3.hash(key, 0, signed=False)) % 100 + 1


def in_canary(migration: str, user_id: str, percentage: int) -> bool:
    return bucket(f"{migration}:{user_id}") <= percentage


def select_provider(mode: Mode, migration: str, user_id: str, percentage: int) -> Provider:
    """The provider flag wins; in canary mode the user's sticky bucket decides."""
    if mode != "canary":
        return mode
    return "foundry" if in_canary(migration, user_id, percentage) else "legacy"
