"""The evaluation harness, and the shipped evaluation set's held-out goals."""

from __future__ import annotations

import io
import itertools
import json
from collections import Counter
from pathlib import Path

import pytest
from rich.console import Console

from airouter.detect import Detection, Detector
from airouter.detect.evaluate import (
    EvalCase,
    EvalDataError,
    evaluate,
    load_eval,
    render_report,
    score,
)

SHIPPED = Path(__file__).resolve().parents[2] / "data" / "eval" / "prompts.jsonl"


def case(kind: str, prompt: str = "p", split: str = "dev") -> EvalCase:
    return EvalCase(prompt, kind, "low", "en", split, "test")  # type: ignore[arg-type]


def found(kind: str, language: str = "en") -> Detection:
    return Detection(kind, "low", language, ())  # type: ignore[arg-type]


def test_load_eval_reads_cases_and_skips_blank_lines(tmp_path: Path) -> None:
    row = {"prompt": "hi", "type": "chat", "complexity": "low", "language": "en", "split": "dev"}
    path = tmp_path / "set.jsonl"
    path.write_text(json.dumps(row) + "\n\n" + json.dumps({**row, "split": "heldout"}) + "\n")
    assert load_eval(path) == [
        EvalCase("hi", "chat", "low", "en", "dev", ""),
        EvalCase("hi", "chat", "low", "en", "heldout", ""),
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"type": "chat"}', "'prompt' must be"),
        ('{"prompt": "x", "type": "poetry", "complexity": "low", "language": "en", "split": "dev"}',
         "'type' is 'poetry'"),
        ('{"prompt": "x", "type": "chat", "complexity": "low", "language": "en", "split": "test"}',
         "'split' is 'test'"),
    ],
)  # fmt: skip
def test_load_eval_names_the_bad_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n")
    with pytest.raises(EvalDataError, match=f"bad.jsonl:1: {message}"):
        load_eval(path)


def test_score_computes_accuracy_confusion_and_f1() -> None:
    cases = [case("chat"), case("chat"), case("math"), case("coding", split="heldout")]
    detections = [found("chat"), found("math"), found("math"), found("coding", language="fr")]
    report = score(cases, detections, [1000, 2000, 3000, 4000])
    assert report.accuracy("type") == 0.75
    assert report.accuracy("language", "heldout") == 0.0
    assert report.accuracy("type", "dev") == pytest.approx(2 / 3)
    assert report.confusion == {("chat", "chat"): 1, ("chat", "math"): 1, ("math", "math"): 1,
                                ("coding", "coding"): 1}  # fmt: skip
    by_type = {item.type: item for item in report.type_scores}
    assert (by_type["chat"].precision, by_type["chat"].recall) == (1.0, 0.5)
    assert by_type["math"].f1 == pytest.approx(2 / 3)
    assert by_type["creative"].f1 == 0.0
    assert report.macro_f1 == pytest.approx((2 / 3 + 2 / 3 + 1.0 + 0.0) / 4)
    assert (report.p50_us, report.p99_us) == (3.0, 4.0)
    assert report.throughput == pytest.approx(4 / 10e-6)
    assert len(report.misses) == 2


def test_accuracy_of_a_missing_split_is_an_error() -> None:
    report = score([case("chat")], [found("chat")], [1])
    with pytest.raises(KeyError):
        report.accuracy("type", "heldout")


def test_evaluate_times_each_case_with_the_given_clock(detector: Detector) -> None:
    ticks = itertools.count(step=500)
    report = evaluate(detector, [case("chat", "hello there"), case("math", "what is 2 + 2")],
                      clock=lambda: next(ticks))  # fmt: skip
    assert (report.p50_us, report.p99_us) == (0.5, 0.5)
    assert report.accuracy("type") == 1.0


def test_render_report_prints_the_tables(detector: Detector) -> None:
    report = evaluate(detector, [case("chat", "hi there friend"), case("math", "Write a poem")])
    out = io.StringIO()
    render_report(report, Console(file=out, width=140))
    text = out.getvalue()
    for heading in ("Detection accuracy", "macro-F1", "confusion", "prompts/s", "Misses"):
        assert heading in text


def test_the_shipped_set_is_balanced_and_has_a_heldout_split() -> None:
    cases = load_eval(SHIPPED)
    assert len(cases) >= 400
    assert min(Counter(item.type for item in cases).values()) >= 100
    languages = Counter(item.language for item in cases)
    assert sum(1 for code, count in languages.items() if code != "und" and count >= 20) >= 6
    heldout = sum(item.split == "heldout" for item in cases) / len(cases)
    assert 0.25 <= heldout <= 0.35


def test_the_heldout_split_meets_the_goals(detector: Detector) -> None:
    heldout = [item for item in load_eval(SHIPPED) if item.split == "heldout"]
    report = evaluate(detector, heldout)
    assert report.accuracy("type") >= 0.92
    assert report.accuracy("language") >= 0.99
