"""The keyword index: words, stems, phrases, accent folding."""

from __future__ import annotations

import pytest

from airouter.detect.matcher import Cue, CueMatcher


@pytest.fixture(scope="module")
def matcher() -> CueMatcher:
    return CueMatcher(
        {
            "math": {3.0: "calcul*|how much|equation", 1.0: "equation"},
            "creative": {2.0: "poeme|once upon a time"},
            "high": {2.0: "optimi*|optimiz*"},
        }
    )


def labels(matcher: CueMatcher, text: str) -> list[tuple[str, float, str]]:
    return [(cue.kind, cue.weight, cue.label) for cue in matcher.scan(matcher.tokens(text))]


def test_tokens_fold_accents_and_split_on_apostrophes_and_scripts(matcher: CueMatcher) -> None:
    assert matcher.tokens("Écris l'ÉQUATION, Straße") == ["ecris", "l", "equation", "strasse"]
    assert matcher.tokens("Pythonでリスト") == ["python", "でリスト"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Calcule-moi ça", [("math", 3.0, "keyword 'calcul*'")]),
        ("calculate it", [("math", 3.0, "keyword 'calcul*'")]),
        ("How much is it?", [("math", 3.0, "keyword 'how much'")]),
        ("how is it much", []),
        ("un poème", [("creative", 2.0, "keyword 'poeme'")]),
        ("Once upon a time", [("creative", 2.0, "keyword 'once upon a time'")]),
        ("once upon a", []),
    ],
)
def test_scan_finds_words_stems_and_phrases(
    matcher: CueMatcher, text: str, expected: list[tuple[str, float, str]]
) -> None:
    assert labels(matcher, text) == expected


def test_an_entry_listed_twice_keeps_its_highest_weight(matcher: CueMatcher) -> None:
    assert labels(matcher, "an equation") == [("math", 3.0, "keyword 'equation'")]


def test_overlapping_stems_count_once_per_token(matcher: CueMatcher) -> None:
    assert len(labels(matcher, "optimize")) == 1


def test_a_repeated_cue_counts_once(matcher: CueMatcher) -> None:
    assert labels(matcher, "poème, poème, poème") == [("creative", 2.0, "keyword 'poeme'")]


def test_a_too_short_stem_is_rejected() -> None:
    with pytest.raises(ValueError, match="too short"):
        CueMatcher({"math": {1.0: "ab*"}})


def test_the_shipped_tables_build() -> None:
    cues = CueMatcher().scan(CueMatcher().tokens("write a python function"))
    assert Cue("coding", 3.0, "keyword 'python'") in cues
