"""The free-slot answer written as JSON text must be, byte for byte, what powertools wrote for a `SlotsPage` of
`Slot` models: pydantic's JSON mode through `json.dumps(separators=(",", ":"), cls=Encoder)`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aws_lambda_powertools.shared.json_encoder import Encoder
from hypothesis import given, settings

from scheduling.domain.slots import PublishedSlot, published_slots
from scheduling.models import DoctorIn, Slot, SlotsPage, slots_page_json
from tests.support.slot_cases import NAMED, cases


def as_powertools_wrote_it(slots: list[PublishedSlot], zone: ZoneInfo) -> str:
    """The answer before: a `Slot` per slot at the zone's offset, serialised the way the validation middleware and
    the response builder did (`TypeAdapter.dump_python(mode="json", by_alias=True)`, then `json.dumps`)."""
    page = SlotsPage(
        items=[
            Slot(start=slot.start.astimezone(zone), end=slot.end.astimezone(zone), locations=list(slot.locations))
            for slot in slots
        ]
    )
    return json.dumps(page.model_dump(mode="json", by_alias=True), separators=(",", ":"), cls=Encoder)


def slot(start: str, minutes: int, offset: timedelta, *locations: str) -> PublishedSlot:
    begins = datetime.fromisoformat(start).astimezone(UTC)
    return PublishedSlot(begins, begins + timedelta(minutes=minutes), locations or ("1 Road",), offset, offset)


@pytest.mark.parametrize(("who", "start", "end"), NAMED)
def test_named_clock_changes_are_written_as_before(who: DoctorIn, start: datetime, end: datetime) -> None:
    slots = list(published_slots(who, start, end))

    assert slots_page_json(slots) == as_powertools_wrote_it(slots, ZoneInfo(who.timezone))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(case=cases())
def test_random_hours_zones_and_windows_are_written_as_before(case: tuple[DoctorIn, datetime, datetime]) -> None:
    who, start, end = case
    slots = list(published_slots(who, start, end))

    assert slots_page_json(slots) == as_powertools_wrote_it(slots, ZoneInfo(who.timezone))


def test_an_empty_answer() -> None:
    assert slots_page_json([]) == '{"items":[]}' == as_powertools_wrote_it([], ZoneInfo("UTC"))


def test_a_zero_offset_is_written_z_and_the_next_midnight_on_its_own_date() -> None:
    utc = timedelta(0)
    slots = [slot("2035-06-04T23:00:00+00:00", 60, utc), slot("2035-06-05T00:00:00+00:00", 60, utc)]

    text = slots_page_json(slots)

    assert text == as_powertools_wrote_it(slots, ZoneInfo("UTC"))
    assert json.loads(text)["items"][0] == {
        "start": "2035-06-04T23:00:00Z",
        "end": "2035-06-05T00:00:00Z",
        "locations": ["1 Road"],
    }


def test_the_same_day_of_another_month_is_not_taken_for_the_same_date() -> None:
    eastern = timedelta(hours=-4)
    slots = [slot("2035-06-04T09:00:00-04:00", 30, eastern), slot("2035-07-04T09:00:00-04:00", 30, eastern)]

    assert slots_page_json(slots) == as_powertools_wrote_it(slots, ZoneInfo("America/New_York"))


def test_locations_are_escaped_as_json_dumps_does() -> None:
    utc = timedelta(0)
    slots = [
        slot("2035-06-04T09:00:00+00:00", 30, utc, 'Saint "Mary"', "Zürich Süd", "back\\slash"),
        slot("2035-06-04T09:30:00+00:00", 30, utc, "\u2603 annex"),
        slot("2035-06-04T10:00:00+00:00", 30, utc, 'Saint "Mary"', "Zürich Süd", "back\\slash"),
    ]

    assert slots_page_json(slots) == as_powertools_wrote_it(slots, ZoneInfo("UTC"))


def test_an_offset_with_seconds_is_written_as_pydantic_writes_it() -> None:
    """Monrovia kept -00:44:30 until 1972: pydantic writes the offset without its seconds, and a reading that is
    not on a whole minute with its seconds (only a slot spanning that change could end on one)."""
    monrovia = ZoneInfo("Africa/Monrovia")
    offset = timedelta(minutes=-44, seconds=-30)
    begins = datetime(1971, 6, 1, 9, tzinfo=monrovia).astimezone(UTC)
    steady = PublishedSlot(begins, begins + timedelta(minutes=30), ("1 Road",), offset, offset)
    ragged = PublishedSlot(begins, begins + timedelta(minutes=30, seconds=15), ("1 Road",), offset, offset)

    assert slots_page_json([steady, ragged]) == as_powertools_wrote_it([steady, ragged], monrovia)
    assert json.loads(slots_page_json([steady]))["items"][0]["start"] == "1971-06-01T09:00:00-00:44"


def test_each_time_is_written_at_its_own_offset_even_where_one_slot_ends_as_the_next_begins() -> None:
    first = slot("2035-06-04T09:00:00-04:00", 30, timedelta(hours=-4))
    second = PublishedSlot(first.end, first.end + timedelta(minutes=30), ("1 Road",), timedelta(0), timedelta(0))

    items = json.loads(slots_page_json([first, second]))["items"]

    assert [items[0]["end"], items[1]["start"]] == ["2035-06-04T09:30:00-04:00", "2035-06-04T13:30:00Z"]
