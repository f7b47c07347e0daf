"""Score a `Detector` against a labelled JSONL set: accuracy, confusion, macro-F1, speed.

Each line of the file is one case:
`{"prompt", "type", "complexity", "language", "split": "dev"|"heldout", "source"}`.
`evaluate` is pure apart from the clock it is given; `render_report` only prints.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, cast

from rich.console import Console
from rich.table import Table

from airouter.detect.detector import Detector
from airouter.detect.model import COMPLEXITIES, TASK_TYPES, Complexity, Detection, TaskType
from airouter.errors import AirouterError

FIELDS: Final = ("type", "complexity", "language")
SPLITS: Final = ("dev", "heldout")


class EvalDataError(AirouterError):
    """A line of an evaluation file is not a valid case; the message names the line."""

    code = "eval_data_invalid"


@dataclass(frozen=True, slots=True)
class EvalCase:
    """One labelled prompt."""

    prompt: str
    type: TaskType
    complexity: Complexity
    language: str
    split: str
    source: str


@dataclass(frozen=True, slots=True)
class TypeScore:
    """Precision, recall and F1 of one task type."""

    type: TaskType
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True, slots=True)
class SplitScore:
    """Accuracy per field over the cases of one split (or of all cases: split "all")."""

    split: str
    cases: int
    accuracy: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class Miss:
    """A case where at least one field was wrong."""

    case: EvalCase
    detection: Detection


@dataclass(frozen=True, slots=True)
class EvalReport:
    """Everything `render_report` shows; the numbers the goals are judged on."""

    splits: tuple[SplitScore, ...]
    confusion: Mapping[tuple[TaskType, TaskType], int]
    type_scores: tuple[TypeScore, ...]
    macro_f1: float
    throughput: float
    p50_us: float
    p99_us: float
    misses: tuple[Miss, ...]

    def accuracy(self, field: str, split: str = "all") -> float:
        """Accuracy of `field` on `split` ("all", "dev" or "heldout")."""
        for score in self.splits:
            if score.split == split:
                return score.accuracy[field]
        raise KeyError(f"no cases in split {split!r}")


def load_eval(path: Path) -> list[EvalCase]:
    """Read a JSONL evaluation file; blank lines are skipped."""
    cases: list[EvalCase] = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                cases.append(_parse_case(line, f"{path}:{number}"))
    return cases


def evaluate(
    detector: Detector,
    cases: Sequence[EvalCase],
    *,
    clock: Callable[[], int] = time.perf_counter_ns,
) -> EvalReport:
    """Run `detector` on every case and score it; `clock` returns nanoseconds.

    One untimed warm-up call comes first, so the timings are of a warm detector.
    """
    if cases:
        detector.detect(cases[0].prompt)
    detections: list[Detection] = []
    durations: list[int] = []
    for case in cases:
        started = clock()
        detections.append(detector.detect(case.prompt))
        durations.append(clock() - started)
    return score(cases, detections, durations)


def score(
    cases: Sequence[EvalCase], detections: Sequence[Detection], durations_ns: Sequence[int]
) -> EvalReport:
    """The report for detections already made (one per case, with its duration)."""
    pairs = list(zip(cases, detections, strict=True))
    confusion = Counter((case.type, found.type) for case, found in pairs)
    type_scores = tuple(_type_score(kind, confusion) for kind in TASK_TYPES)
    ordered = sorted(durations_ns)
    total_s = sum(ordered) / 1e9
    return EvalReport(
        splits=_split_scores(pairs),
        confusion=dict(confusion),
        type_scores=type_scores,
        macro_f1=sum(item.f1 for item in type_scores) / len(type_scores),
        throughput=len(ordered) / total_s if total_s else 0.0,
        p50_us=_percentile(ordered, 0.50) / 1e3,
        p99_us=_percentile(ordered, 0.99) / 1e3,
        misses=tuple(Miss(case, found) for case, found in pairs if not _all_right(case, found)),
    )


def render_report(report: EvalReport, console: Console, *, max_misses: int = 15) -> None:
    """Print the report as rich tables."""
    console.print(_accuracy_table(report))
    console.print(_f1_table(report))
    console.print(_confusion_table(report))
    console.print(
        f"speed: {report.throughput:,.0f} prompts/s, "
        f"p50 {report.p50_us:.0f} µs, p99 {report.p99_us:.0f} µs per prompt"
    )
    if report.misses and max_misses:
        console.print(_miss_table(report, max_misses))


def _parse_case(line: str, where: str) -> EvalCase:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as error:
        raise EvalDataError(f"{where}: not JSON ({error.msg})") from None
    if not isinstance(row, dict):
        raise EvalDataError(f"{where}: expected a JSON object")
    return EvalCase(
        prompt=_field(row, "prompt", where),
        type=cast(TaskType, _choice(row, "type", TASK_TYPES, where)),
        complexity=cast(Complexity, _choice(row, "complexity", COMPLEXITIES, where)),
        language=_field(row, "language", where),
        split=_choice(row, "split", SPLITS, where),
        source=str(row.get("source", "")),
    )


def _field(row: Mapping[str, Any], name: str, where: str) -> str:
    value = row.get(name)
    if not isinstance(value, str) or not value:
        raise EvalDataError(f"{where}: {name!r} must be a non-empty string")
    return value


def _choice(row: Mapping[str, Any], name: str, allowed: Sequence[str], where: str) -> str:
    value = _field(row, name, where)
    if value not in allowed:
        raise EvalDataError(f"{where}: {name!r} is {value!r}, want one of {', '.join(allowed)}")
    return value


def _all_right(case: EvalCase, found: Detection) -> bool:
    return all(getattr(case, field) == getattr(found, field) for field in FIELDS)


def _split_scores(pairs: Sequence[tuple[EvalCase, Detection]]) -> tuple[SplitScore, ...]:
    groups: dict[str, list[tuple[EvalCase, Detection]]] = {"all": list(pairs)}
    for case, found in pairs:
        groups.setdefault(case.split, []).append((case, found))
    return tuple(
        SplitScore(name, len(group), {field: _accuracy(group, field) for field in FIELDS})
        for name, group in groups.items()
        if group
    )


def _accuracy(pairs: Sequence[tuple[EvalCase, Detection]], field: str) -> float:
    right = sum(1 for case, found in pairs if getattr(case, field) == getattr(found, field))
    return right / len(pairs)


def _type_score(kind: TaskType, confusion: Mapping[tuple[TaskType, TaskType], int]) -> TypeScore:
    hits = confusion.get((kind, kind), 0)
    predicted = sum(count for (_, found), count in confusion.items() if found == kind)
    support = sum(count for (expected, _), count in confusion.items() if expected == kind)
    precision = hits / predicted if predicted else 0.0
    recall = hits / support if support else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return TypeScore(kind, precision, recall, f1, support)


def _percentile(ordered: Sequence[int], fraction: float) -> float:
    if not ordered:
        return 0.0
    return float(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))])


def _accuracy_table(report: EvalReport) -> Table:
    table = Table(title="Detection accuracy")
    table.add_column("split")
    table.add_column("cases", justify="right")
    for field in FIELDS:
        table.add_column(field, justify="right")
    for item in report.splits:
        table.add_row(
            item.split, str(item.cases), *(f"{item.accuracy[field]:.1%}" for field in FIELDS)
        )
    return table


def _f1_table(report: EvalReport) -> Table:
    table = Table(title=f"Task type: macro-F1 {report.macro_f1:.3f}")
    for column in ("type", "precision", "recall", "F1", "support"):
        table.add_column(column, justify="left" if column == "type" else "right")
    for item in report.type_scores:
        table.add_row(
            item.type, f"{item.precision:.3f}", f"{item.recall:.3f}", f"{item.f1:.3f}",
            str(item.support),
        )  # fmt: skip
    return table


def _confusion_table(report: EvalReport) -> Table:
    table = Table(title="Task type confusion (rows: expected, columns: detected)")
    table.add_column("expected")
    for kind in TASK_TYPES:
        table.add_column(kind, justify="right")
    for expected in TASK_TYPES:
        counts = (report.confusion.get((expected, found), 0) for found in TASK_TYPES)
        table.add_row(expected, *(str(count) for count in counts))
    return table


def _miss_table(report: EvalReport, limit: int) -> Table:
    table = Table(title=f"Misses ({len(report.misses)}, first {limit})")
    for column in ("split", "expected", "detected", "prompt"):
        table.add_column(column)
    for miss in report.misses[:limit]:
        case, found = miss.case, miss.detection
        table.add_row(
            case.split,
            f"{case.type}/{case.complexity}/{case.language}",
            f"{found.type}/{found.complexity}/{found.language}",
            case.prompt[:70].replace("\n", " "),
        )
    return table
