"""Published slots: named DST and odd-offset cases, then properties over random schedules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings

from scheduling.domain.slots import PublishedSlot, is_published, opening_hours_on, published_slots
from scheduling.models import WEEKDAYS, DoctorIn
from tests.support.slot_cases import FIXED_OFFSET_ZONES, doctor, doctors, wall_minutes, windows_in_2027


def all_day(weekday: str, start: str = "00:00", end: str = "24:00") -> dict[str, Any]:
    return {weekday: [{"start": start, "end": end}]}


def local_slots(who: DoctorIn, day: date) -> list[tuple[str, str]]:
    """Slots whose start falls on the local date `day`, as RFC 3339 text with the local offset."""
    zone = ZoneInfo(who.timezone)
    begin = datetime(day.year, day.month, day.day, tzinfo=zone)
    slots = published_slots(who, begin - timedelta(hours=2), begin + timedelta(hours=26))
    return [
        (slot.start.astimezone(zone).isoformat(), slot.end.astimezone(zone).isoformat())
        for slot in slots
        if slot.start.astimezone(zone).date() == day
    ]


# Named cases


def test_new_york_spring_forward_skips_the_missing_hour() -> None:
    slots = local_slots(doctor("America/New_York", 30, all_day("sunday")), date(2027, 3, 14))

    assert len(slots) == 46
    assert ("2027-03-14T01:30:00-05:00", "2027-03-14T03:00:00-04:00") in slots
    assert [start for start, _ in slots][3:5] == ["2027-03-14T01:30:00-05:00", "2027-03-14T03:00:00-04:00"]


def test_new_york_fall_back_takes_the_repeated_hour_once_at_its_first_occurrence() -> None:
    slots = local_slots(doctor("America/New_York", 30, all_day("sunday")), date(2027, 11, 7))

    starts = [start for start, _ in slots]
    assert len(slots) == 48
    assert starts[2:5] == ["2027-11-07T01:00:00-04:00", "2027-11-07T01:30:00-04:00", "2027-11-07T02:00:00-05:00"]
    assert "2027-11-07T01:00:00-05:00" not in starts


def test_a_slot_that_would_overlap_across_the_gap_is_not_published() -> None:
    who = doctor("America/New_York", 90, all_day("sunday", "01:30", "06:00"))

    slots = local_slots(who, date(2027, 3, 14))

    # 01:30 EST lasts until 04:00 EDT, so the 03:00 EDT start would overlap it.
    assert slots == [
        ("2027-03-14T01:30:00-05:00", "2027-03-14T04:00:00-04:00"),
        ("2027-03-14T04:30:00-04:00", "2027-03-14T06:00:00-04:00"),
    ]


def test_a_slot_ending_past_closing_time_on_the_local_clock_is_not_published() -> None:
    who = doctor("America/New_York", 60, all_day("sunday", "01:30", "03:00"))

    # 01:30 EST + 60 minutes is 03:30 EDT, after closing at 03:00.
    assert local_slots(who, date(2027, 3, 14)) == []


def test_london_spring_forward() -> None:
    slots = local_slots(doctor("Europe/London", 60, all_day("sunday", "00:00", "04:00")), date(2027, 3, 28))

    assert slots == [
        ("2027-03-28T00:00:00+00:00", "2027-03-28T02:00:00+01:00"),
        ("2027-03-28T02:00:00+01:00", "2027-03-28T03:00:00+01:00"),
        ("2027-03-28T03:00:00+01:00", "2027-03-28T04:00:00+01:00"),
    ]


def test_london_fall_back() -> None:
    slots = local_slots(doctor("Europe/London", 60, all_day("sunday", "00:00", "03:00")), date(2027, 10, 31))

    assert [start for start, _ in slots] == [
        "2027-10-31T00:00:00+01:00",
        "2027-10-31T01:00:00+01:00",
        "2027-10-31T02:00:00+00:00",
    ]


def test_lord_howe_half_hour_spring_forward() -> None:
    slots = local_slots(doctor("Australia/Lord_Howe", 30, all_day("sunday")), date(2027, 10, 3))

    starts = [start for start, _ in slots]
    assert len(slots) == 47
    assert starts[3:5] == ["2027-10-03T01:30:00+10:30", "2027-10-03T02:30:00+11:00"]


def test_lord_howe_half_hour_fall_back() -> None:
    slots = local_slots(doctor("Australia/Lord_Howe", 30, all_day("sunday")), date(2027, 4, 4))

    starts = [start for start, _ in slots]
    assert len(slots) == 48
    assert starts[3:5] == ["2027-04-04T01:30:00+11:00", "2027-04-04T02:00:00+10:30"]


def test_lord_howe_a_slot_overlapping_the_one_that_spans_the_change_is_dropped() -> None:
    who = doctor("Australia/Lord_Howe", 45, all_day("sunday", "01:05", "06:00"))

    slots = local_slots(who, date(2027, 10, 3))

    # 01:50 (+10:30) lasts 45 real minutes, until 03:05 (+11:00): 02:35 (+11:00), which exists and would itself
    # be steady, overlaps it and is dropped; the earlier slot is kept, and the grid resumes at 03:20.
    assert slots == [
        ("2027-10-03T01:05:00+10:30", "2027-10-03T01:50:00+10:30"),
        ("2027-10-03T01:50:00+10:30", "2027-10-03T03:05:00+11:00"),
        ("2027-10-03T03:20:00+11:00", "2027-10-03T04:05:00+11:00"),
        ("2027-10-03T04:05:00+11:00", "2027-10-03T04:50:00+11:00"),
        ("2027-10-03T04:50:00+11:00", "2027-10-03T05:35:00+11:00"),
    ]


def test_chatham_a_slot_just_after_the_gap_is_dropped_while_the_slot_begun_before_it_runs() -> None:
    who = doctor("Pacific/Chatham", 25, all_day("sunday", "02:30", "05:00"))

    slots = local_slots(who, date(2027, 9, 26))

    # Clocks go 02:45 -> 03:45 (+12:45 -> +13:45). 02:30 (13:45Z) runs until 03:55 (14:10Z); 02:55 and 03:20
    # fall in the gap, and 03:45 (14:00Z) overlaps the running slot, so the next slot is 04:10.
    assert slots == [
        ("2027-09-26T02:30:00+12:45", "2027-09-26T03:55:00+13:45"),
        ("2027-09-26T04:10:00+13:45", "2027-09-26T04:35:00+13:45"),
        ("2027-09-26T04:35:00+13:45", "2027-09-26T05:00:00+13:45"),
    ]


def test_kathmandu_quarter_hour_offset() -> None:
    slots = local_slots(doctor("Asia/Kathmandu", 15, all_day("monday", "09:00", "10:00")), date(2027, 3, 15))

    assert [start for start, _ in slots] == [
        "2027-03-15T09:00:00+05:45",
        "2027-03-15T09:15:00+05:45",
        "2027-03-15T09:30:00+05:45",
        "2027-03-15T09:45:00+05:45",
    ]
    assert slots[0][0] == datetime(2027, 3, 15, 3, 15, tzinfo=UTC).astimezone(ZoneInfo("Asia/Kathmandu")).isoformat()


def test_a_schedule_ending_at_midnight_publishes_the_last_slot_of_the_day() -> None:
    slots = local_slots(doctor("America/New_York", 60, all_day("sunday", "22:00", "24:00")), date(2027, 11, 7))

    assert slots == [
        ("2027-11-07T22:00:00-05:00", "2027-11-07T23:00:00-05:00"),
        ("2027-11-07T23:00:00-05:00", "2027-11-08T00:00:00-05:00"),
    ]


def test_overrides_replace_or_close_a_date() -> None:
    who = doctor(
        "UTC",
        60,
        all_day("monday", "09:00", "12:00"),
        {"2027-03-15": [{"start": "14:00", "end": "15:00"}], "2027-03-22": []},
    )

    assert [s for s, _ in local_slots(who, date(2027, 3, 15))] == ["2027-03-15T14:00:00+00:00"]
    assert local_slots(who, date(2027, 3, 22)) == []
    assert len(local_slots(who, date(2027, 3, 29))) == 3


def test_is_published_accepts_any_offset_for_the_same_instant() -> None:
    who = doctor("America/New_York", 30, all_day("monday", "09:00", "12:00"))

    assert is_published(who, datetime.fromisoformat("2027-03-15T09:30:00-04:00"))
    assert is_published(who, datetime.fromisoformat("2027-03-15T13:30:00+00:00"))
    assert not is_published(who, datetime.fromisoformat("2027-03-15T09:45:00-04:00"))
    assert not is_published(who, datetime.fromisoformat("2027-03-15T12:00:00-04:00"))


# Properties

# Random doctors (no buffer, no session locations) in 2027 windows.
CASES = windows_in_2027(doctors())


@settings(max_examples=300, deadline=None)
@given(case=CASES)
def test_every_slot_is_inside_open_hours_sorted_and_disjoint_within_the_window(
    case: tuple[DoctorIn, tuple[datetime, timedelta]],
) -> None:
    who, (start, length) = case
    zone = ZoneInfo(who.timezone)

    slots = list(published_slots(who, start, start + length))

    for slot in slots:
        assert start <= slot.start < start + length
        assert slot.end - slot.start == timedelta(minutes=who.slot_minutes)
        local_day = slot.start.astimezone(zone).date()
        midnight = datetime(local_day.year, local_day.month, local_day.day)
        begins = wall_minutes(midnight, slot.start, zone)
        ends = wall_minutes(midnight, slot.end, zone)
        assert any(
            hours.start_minute <= begins
            and ends <= hours.end_minute
            and (begins - hours.start_minute) % who.slot_minutes == 0
            for hours in opening_hours_on(who, local_day)
        ), slot
    for earlier, later in pairwise(slots):
        assert earlier.end <= later.start


def _spans_a_clock_change(slot: PublishedSlot, zone: ZoneInfo) -> bool:
    return slot.start.astimezone(zone).utcoffset() != slot.end.astimezone(zone).utcoffset()


@settings(max_examples=200, deadline=None)
@given(case=CASES)
def test_no_slot_goes_missing_unless_it_overlaps_the_slot_that_spans_a_clock_change(
    case: tuple[DoctorIn, tuple[datetime, timedelta]],
) -> None:
    """Every steady, unambiguous grid slot in the window is published, except one that overlaps a published slot
    spanning a clock change (the earlier slot is kept: docs/availability.md, rule 4)."""
    who, (start, length) = case
    zone = ZoneInfo(who.timezone)
    published = {slot.start for slot in published_slots(who, start, start + length)}
    around = published_slots(who, start - timedelta(days=2), start + length + timedelta(days=2))
    spanning = [slot for slot in around if _spans_a_clock_change(slot, zone)]

    day = start.astimezone(zone).date() - timedelta(days=1)
    while day <= (start + length).astimezone(zone).date():
        for hours in opening_hours_on(who, day):
            for minute in range(hours.start_minute, hours.end_minute - who.slot_minutes + 1, who.slot_minutes):
                wall = datetime(day.year, day.month, day.day) + timedelta(minutes=minute)
                begins = wall.replace(tzinfo=zone).astimezone(UTC)
                ends = begins + timedelta(minutes=who.slot_minutes)
                steady = (
                    zone.utcoffset(wall) == ends.astimezone(zone).utcoffset() == begins.astimezone(zone).utcoffset()
                )
                unambiguous = wall.replace(tzinfo=zone, fold=1).utcoffset() == wall.replace(tzinfo=zone).utcoffset()
                overlaps_a_spanning_slot = any(slot.start < ends and begins < slot.end for slot in spanning)
                if steady and unambiguous and start <= begins < start + length:
                    assert begins in published or overlaps_a_spanning_slot, wall
        day += timedelta(days=1)


@settings(max_examples=200, deadline=None)
@given(case=CASES)
def test_fixed_offset_zones_publish_exactly_the_arithmetic_count(
    case: tuple[DoctorIn, tuple[datetime, timedelta]],
) -> None:
    who, window = case
    if who.timezone not in FIXED_OFFSET_ZONES:
        who = who.model_copy(update={"timezone": "Asia/Kathmandu"})
    offset = FIXED_OFFSET_ZONES[who.timezone]
    start, length = window

    expected = 0
    day = (start + offset).date() - timedelta(days=1)
    while day <= (start + length + offset).date():
        for hours in opening_hours_on(who, day):
            for minute in range(hours.start_minute, hours.end_minute - who.slot_minutes + 1, who.slot_minutes):
                instant = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(minutes=minute) - offset
                expected += start <= instant < start + length
        day += timedelta(days=1)

    assert len(list(published_slots(who, start, start + length))) == expected


@pytest.mark.parametrize("days", [1, 7, 31])
def test_a_full_day_of_five_minute_slots_counts_288_per_day(days: int) -> None:
    who = doctor("UTC", 5, {day: [{"start": "00:00", "end": "24:00"}] for day in WEEKDAYS})
    begin = datetime(2027, 1, 4, tzinfo=UTC)

    assert len(list(published_slots(who, begin, begin + timedelta(days=days)))) == 288 * days
