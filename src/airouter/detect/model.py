"""The detector's vocabulary: the routing dimensions it decides and its answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

TaskType = Literal["chat", "math", "coding", "creative"]
Complexity = Literal["low", "high"]

TASK_TYPES: Final[tuple[TaskType, ...]] = ("chat", "math", "coding", "creative")
COMPLEXITIES: Final[tuple[Complexity, ...]] = ("low", "high")

UNDETERMINED: Final = "und"
"""ISO 639-2 code for "undetermined": too short, gibberish or not a configured language."""

DEFAULT_LANGUAGES: Final[tuple[str, ...]] = ("en", "fr", "es", "de", "it", "pt", "nl")


@dataclass(frozen=True, slots=True)
class Detection:
    """What the detector decided about one prompt, with the evidence for it."""

    type: TaskType
    complexity: Complexity
    language: str
    reasons: tuple[str, ...]
