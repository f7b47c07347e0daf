"""Splitting prompts into prose and machine text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airouter.detect.text import MAX_CHARS, PROSE_WINDOW, analyse, clip, window, words


def test_a_code_fence_is_counted_and_kept_out_of_the_prose() -> None:
    view = analyse("Why?\n```python\nx = 1\ny = 2\n```\nthanks")
    assert view.prose == "Why?\nthanks"
    assert (view.fences, view.fence_tags, view.code_lines) == (1, ("python",), 3)


def test_an_unclosed_fence_runs_to_the_end() -> None:
    view = analyse("Look:\n```\nprint('hi')\n")
    assert view.prose == "Look:"
    assert view.fences == 1


def test_inline_code_and_urls_are_removed_from_the_prose() -> None:
    view = analyse("Run `pip install x` as shown on https://example.org/docs please")
    assert view.inline_code == 1
    assert "pip" not in view.prose and "example" not in view.prose


@pytest.mark.parametrize(
    "line",
    [
        "Traceback (most recent call last):",
        '  File "app.py", line 12, in <module>',
        "\tat com.shop.Main.main(Main.java:10)",
        "ZeroDivisionError: division by zero",
        "panic: runtime error: index out of range [5] with length 5",
        "goroutine 1 [running]:",
    ],
)
def test_stack_trace_lines_are_recognised(line: str) -> None:
    view = analyse(line)
    assert view.trace_lines == 1
    assert view.prose == ""


@pytest.mark.parametrize(
    "line",
    [
        "def add(a, b):",
        "const items = [1, 2, 3];",
        "SELECT name FROM users WHERE id = 1",
        "}",
        "items.forEach(async (i) => { await save(i); });",
        "import numpy as np",
    ],
)
def test_code_lines_outside_fences_are_recognised(line: str) -> None:
    assert analyse(line).code_lines == 1


@pytest.mark.parametrize(
    "line",
    [
        "What's the difference between == and === in JavaScript?",
        "Let me know when the next merch drop is!",
        "Solve for x: 3x + 7 = 22",
        "Finally got tickets for your show!!",
    ],
)
def test_sentences_that_mention_code_stay_prose(line: str) -> None:
    view = analyse(line)
    assert view.prose == line
    assert view.code_lines == 0


def test_error_names_are_collected_once() -> None:
    view = analyse("TypeError here, then TypeError again and a KeyError")
    assert view.error_names == ("TypeError", "KeyError")


def test_words_keep_elisions_and_lower_case() -> None:
    text = "L'équipe d'Italia DON\u2019T"
    assert words(text) == ["l'", "équipe", "d'", "italia", "don'", "t"]


@given(st.text(max_size=2 * MAX_CHARS))
def test_clip_bounds_the_analysed_text(text: str) -> None:
    clipped = clip(text)
    assert len(clipped) <= MAX_CHARS + 1
    assert clipped == text or len(text) > MAX_CHARS


@given(st.text(max_size=3 * PROSE_WINDOW))
def test_window_bounds_the_prose(prose: str) -> None:
    assert len(window(prose)) <= PROSE_WINDOW + 1
