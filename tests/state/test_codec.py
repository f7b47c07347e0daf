"""The JSON form events travel in."""

from __future__ import annotations

import pytest

from airouter.state import Event
from airouter.state.codec import dump_data, dump_event, load_data, load_event


def test_an_event_round_trips_without_and_with_an_id() -> None:
    event = Event(kind="alert", at=1.5, data={"x": [1, 2.5, "é"]})
    text = dump_event(event)

    assert load_event(text) == event
    assert load_event('{"id":7,' + text[1:]).id == 7


def test_floats_round_trip_exactly() -> None:
    at = 1_700_000_000.123456
    assert load_event(dump_event(Event(kind="k", at=at, data={"v": 0.1 + 0.2}))).data == {
        "v": 0.1 + 0.2
    }
    assert load_event(dump_event(Event(kind="k", at=at, data={}))).at == at


@pytest.mark.parametrize("text", ["[1, 2]", "3", '"text"', "null"])
def test_event_data_must_be_a_json_object(text: str) -> None:
    with pytest.raises(TypeError, match="JSON object"):
        load_data(text)


def test_data_with_non_string_keys_is_refused() -> None:
    with pytest.raises(TypeError):
        dump_data({1: "one"})  # type: ignore[dict-item]
