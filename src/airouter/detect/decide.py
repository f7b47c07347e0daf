"""Turn cues into a task type and a complexity: sums, a prior, and fixed tie order.

Pure functions of their inputs; the weights live in `cues` and `signals`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from airouter.detect.matcher import Cue
from airouter.detect.model import TASK_TYPES, Complexity, TaskType


@dataclass(frozen=True, slots=True)
class DecisionTuning:
    """The thresholds of the decision, in cue points."""

    chat_prior: float = 1.0
    system_share: float = 0.3
    system_cap: float = 0.9
    high_threshold: float = 2.0
    many_asks: float = 2.0
    ask_points: float = 1.0
    many_parts: float = 4.0
    many_parts_coding: float = 3.0
    part_points: float = 1.0
    max_reasons: int = 3


DEFAULT_TUNING: Final = DecisionTuning()


def totals(cues: Iterable[Cue]) -> dict[str, float]:
    """Summed weight per kind of evidence."""
    summed: dict[str, float] = {}
    for cue in cues:
        summed[cue.kind] = summed.get(cue.kind, 0.0) + cue.weight
    return summed


def context_totals(
    system: Iterable[Cue], tuning: DecisionTuning = DEFAULT_TUNING
) -> dict[str, float]:
    """A system prompt's evidence, scaled and capped so it can only tip a close call."""
    return {
        kind: min(weight * tuning.system_share, tuning.system_cap)
        for kind, weight in totals(system).items()
        if kind in TASK_TYPES
    }


def choose_type(
    prompt: Mapping[str, float],
    context: Mapping[str, float],
    tuning: DecisionTuning = DEFAULT_TUNING,
) -> TaskType:
    """The type with the most evidence; chat starts ahead, ties go by `TASK_TYPES` order."""
    score: dict[TaskType, float] = {
        kind: prompt.get(kind, 0.0) + context.get(kind, 0.0) for kind in TASK_TYPES
    }
    score["chat"] += tuning.chat_prior
    return max(TASK_TYPES, key=lambda kind: score[kind])


def choose_complexity(
    prompt: Mapping[str, float], task: TaskType, tuning: DecisionTuning = DEFAULT_TUNING
) -> Complexity:
    """High once the evidence for multi-step work passes the threshold.

    For task prompts (not chat), asking for several things at once is evidence too.
    """
    return "high" if complexity_score(prompt, task, tuning) >= tuning.high_threshold else "low"


def complexity_score(
    prompt: Mapping[str, float], task: TaskType, tuning: DecisionTuning = DEFAULT_TUNING
) -> float:
    """Points for "high": explicit cues, plus the number of asks and listed parts."""
    score = prompt.get("high", 0.0)
    if task == "chat":
        return score
    asks, parts = prompt.get("ask", 0.0), prompt.get("parts", 0.0)
    score += tuning.ask_points if asks >= tuning.many_asks else 0.0
    many_parts = tuning.many_parts_coding if task == "coding" else tuning.many_parts
    score += tuning.part_points if parts >= many_parts else 0.0
    return score


def explain(
    cues: Iterable[Cue],
    task: TaskType,
    complexity: Complexity,
    tuning: DecisionTuning = DEFAULT_TUNING,
) -> tuple[str, ...]:
    """The strongest cues behind the type, then behind the complexity."""
    ordered = sorted(cues, key=lambda cue: -cue.weight)
    for_type = [cue.label for cue in ordered if cue.kind == task][: tuning.max_reasons]
    if not for_type:
        for_type = ["no strong cue: chat by default"] if task == "chat" else []
    for_level = [cue.label for cue in ordered if cue.kind == "high"] if complexity == "high" else []
    return (*for_type, *(f"complex: {label}" for label in for_level[:2]))
