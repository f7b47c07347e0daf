"""Which text of an OpenAI-style message list is judged, and how content parts are read."""

from __future__ import annotations

from typing import Any

import pytest

from airouter.detect import Detector
from airouter.detect.messages import Conversation, content_text, conversation


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("plain text", "plain text"),
        ([{"type": "text", "text": "part one"}, {"type": "text", "text": "part two"}],
         "part one\npart two"),
        ([{"type": "image_url", "image_url": {"url": "x"}}, {"type": "text", "text": "caption?"}],
         "caption?"),
        ([{"type": "input_text", "text": "responses-style"}], "responses-style"),
        (None, ""),
        (42, ""),
        ([{"type": "text", "text": None}, "stray string"], ""),
    ],
)  # fmt: skip
def test_content_text(content: object, expected: str) -> None:
    assert content_text(content) == expected


def test_the_last_user_message_is_judged_and_system_messages_are_context() -> None:
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": "first question"},
        {"role": "assistant", "content": "an answer"},
        {"role": "user", "content": [{"type": "text", "text": "second question"}]},
        {"role": "tool", "content": "tool output"},
    ]
    assert conversation(messages) == Conversation(
        prompt="second question", system="You are helpful."
    )


def test_no_user_message_means_an_empty_prompt() -> None:
    assert conversation([{"role": "system", "content": "x"}]) == Conversation("", "x")
    assert conversation([]) == Conversation("", None)


def test_detect_messages_judges_the_last_user_turn(detector: Detector) -> None:
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "You are a friendly assistant for a creator platform."},
        {"role": "user", "content": "Write a poem about the sea."},
        {"role": "assistant", "content": "The sea, the sea..."},
        {"role": "user", "content": [{"type": "text", "text": "Combien font 17 fois 23 ?"}]},
    ]
    found = detector.detect_messages(messages)
    assert (found.type, found.language) == ("math", "fr")


def test_detect_messages_matches_detect_with_system(detector: Detector) -> None:
    messages = [
        {"role": "developer", "content": "You are a Java tutor."},
        {"role": "user", "content": "Can you help me with my thread?"},
    ]
    expected = detector.detect("Can you help me with my thread?", system="You are a Java tutor.")
    assert detector.detect_messages(messages) == expected
