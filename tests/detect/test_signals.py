"""Evidence from the shape of a prompt."""

from __future__ import annotations

import pytest

from airouter.detect.signals import chat_cues, cjk_cues, code_cues, math_cues, part_cues
from airouter.detect.text import analyse


def labels(cues: list) -> list[str]:  # type: ignore[type-arg]
    return [cue.label.split(" ")[0] for cue in cues]


@pytest.mark.parametrize(
    ("prose", "expected"),
    [
        ("17 * 23", ["arithmetic", "2"]),
        ("what is 3 fois 4", ["arithmetic", "2"]),
        ("solve 2x + 3 = 7", ["equation", "3"]),
        ("f(x) = x² + 1", ["equation", "math"]),
        ("2^10 = ?", ["arithmetic", "'=", "2"]),
        ("15% of 240", ["percentage", "2"]),
        ("3/4 of the cake", ["fraction", "2"]),
        ("just words here", []),
        ("a 0/1 knapsack", ["fraction", "2"]),
    ],
)
def test_math_cues(prose: str, expected: list[str]) -> None:
    assert labels(math_cues(prose)) == expected


def test_code_cues_name_fences_traces_errors_and_languages() -> None:
    text = (
        "```py\nx = 1\n```\nTraceback (most recent call last):\nKeyError: 'a'\nin C++ and main.rs"
    )
    found = [cue.label for cue in code_cues(analyse(text), text)]
    assert found[0] == "code fence (py)"
    assert "stack trace" in found
    assert "error 'KeyError'" in found
    assert "keyword 'C++'" in found


def test_big_o_is_coding_and_complexity() -> None:
    text = "an O(n log n) sort"
    kinds = {cue.kind for cue in code_cues(analyse(text), text)}
    assert kinds == {"coding", "high"}


def test_emoji_and_cjk_keywords() -> None:
    assert labels(chat_cues("love it 😍")) == ["emoji"]
    assert [cue.kind for cue in cjk_cues("桜についての俳句を書いてください")] == ["creative"]
    assert cjk_cues("plain ascii") == []


def test_part_cues_count_separators_and_conjunctions() -> None:
    (cue,) = part_cues("a, b and c; d", ["a", "b", "and", "c", "d"])
    assert cue.weight == 3.0
    assert part_cues("nothing", ["nothing"]) == []
