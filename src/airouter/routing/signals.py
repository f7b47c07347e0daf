"""Hints win over detection; the result says which field came from where."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from airouter.config.model import Complexity, TaskType, Tier
from airouter.routing.decide import Signals


@dataclass(frozen=True, slots=True)
class Hints:
    type: TaskType | None = None
    complexity: Complexity | None = None
    language: str | None = None
    tier: Tier | None = None


class DetectionLike(Protocol):
    """A classifier's verdict, immutable. The router caches plans by it when it can be
    hashed (`Detection` can), and plans afresh each time when it cannot."""

    def __hash__(self) -> int: ...
    @property
    def type(self) -> TaskType: ...
    @property
    def complexity(self) -> Complexity: ...
    @property
    def language(self) -> str: ...
    @property
    def reasons(self) -> tuple[str, ...]: ...


class Classifier(Protocol):
    """Detects type, complexity and language of an OpenAI-style message list."""

    async def classify(self, messages: Sequence[Mapping[str, Any]]) -> DetectionLike: ...


@dataclass(frozen=True, slots=True)
class Resolved:
    signals: Signals
    type_hint_applied: bool
    language_hint_applied: bool
    reason: str


def resolve(hints: Hints, detection: DetectionLike | None) -> Resolved:
    """Combine hints and detection (None when every field was hinted) into routing signals."""
    parts: list[str] = []

    def pick(field: str, hinted: Any, detected: Any) -> Any:
        if hinted is not None:
            parts.append(f"{field}={hinted} (hint)")
            return hinted
        parts.append(f"{field}={detected} " + ("(detected)" if d else "(assumed: no detector)"))
        return detected

    d = detection
    signals = Signals(
        type=pick("type", hints.type, d.type if d else "chat"),
        complexity=pick("complexity", hints.complexity, d.complexity if d else "low"),
        language=pick("language", hints.language, d.language if d else "und"),
        tier=hints.tier or "standard",
    )
    parts.append(f"tier={signals.tier}" + (" (caller)" if hints.tier else " (default)"))
    if d is not None and d.reasons:
        parts.append("evidence: " + "; ".join(d.reasons[:4]))
    return Resolved(signals, hints.type is not None, hints.language is not None, ", ".join(parts))


def needs_detection(hints: Hints) -> bool:
    return hints.type is None or hints.complexity is None or hints.language is None
