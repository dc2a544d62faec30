"""Booking rules in the pure domain: the buffered grid (DST days included), per-session locations, minimum
notice and horizon; then properties of the grid over random schedules, buffers and session locations."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from scheduling.domain.notice import bookable_times
from scheduling.domain.rules import check_opening_hours
from scheduling.domain.slots import PublishedSlot, opening_hours_on, published_slot_at, published_slots
from scheduling.errors import InvalidInput
from scheduling.models import WEEKDAYS, BookingRules, DoctorIn, Interval
from tests.support.slot_cases import FIXED_OFFSET_ZONES, PLACES, Window, doctor, doctors, wall_minutes, windows_in_2027


def hours(start: str, end: str, locations: list[str] | None = None) -> dict[str, Any]:
    interval: dict[str, Any] = {"start": start, "end": end}
    if locations is not None:
        interval["locations"] = locations
    return interval


def slots_on(who: DoctorIn, day: date) -> list[PublishedSlot]:
    """Published slots whose start falls on the local date `day`."""
    zone = ZoneInfo(who.timezone)
    begin = datetime(day.year, day.month, day.day, tzinfo=zone)
    found = published_slots(who, begin - timedelta(hours=2), begin + timedelta(hours=26))
    return [slot for slot in found if slot.start.astimezone(zone).date() == day]


def local(who: DoctorIn, day: date) -> list[tuple[str, str]]:
    zone = ZoneInfo(who.timezone)
    return [
        (slot.start.astimezone(zone).isoformat(), slot.end.astimezone(zone).isoformat()) for slot in slots_on(who, day)
    ]


# The rules object


def test_rules_default_to_imposing_nothing() -> None:
    who = doctor("UTC", 30, {})

    assert who.rules == BookingRules()
    assert who.rules.model_dump() == {
        "min_notice_minutes": 0,
        "horizon_days": None,
        "buffer_minutes": 0,
        "max_per_day": None,
        "cancel_cutoff_minutes": 0,
        "reminders_minutes": [],
        "waitlist_offer_ttl_seconds": None,
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("min_notice_minutes", -1),
        ("min_notice_minutes", 525601),
        ("horizon_days", 0),
        ("horizon_days", 731),
        ("buffer_minutes", 241),
        ("max_per_day", 0),
        ("max_per_day", 501),
        ("cancel_cutoff_minutes", 10081),
        ("reminders_minutes", [1, 2, 3, 4]),
        ("reminders_minutes", 5),
        ("waitlist_offer_ttl_seconds", 29),
        ("buffer_minutes", "10"),
        ("buffer_minutes", 10.0),
        ("min_notice_minutes", True),
        ("days_off", 1),
    ],
)
def test_rules_out_of_range_wrong_type_or_unknown_are_refused_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as refused:
        DoctorIn.model_validate({"name": "Dr", "locations": ["A"], "rules": {field: value}})

    assert refused.value.errors()[0]["loc"] == ("rules", field)


@pytest.mark.parametrize("value", [0, 20161, "5"])
def test_each_reminder_is_1_to_20160_whole_minutes(value: object) -> None:
    with pytest.raises(ValidationError) as refused:
        DoctorIn.model_validate({"name": "Dr", "locations": ["A"], "rules": {"reminders_minutes": [60, value]}})

    assert refused.value.errors()[0]["loc"] == ("rules", "reminders_minutes", 1)


@pytest.mark.parametrize("value", [[], ["North Wing", "North Wing"], [""], "North Wing"])
def test_session_locations_must_be_a_non_empty_list_of_distinct_addresses(value: object) -> None:
    with pytest.raises(ValidationError) as refused:
        Interval.model_validate({"start": "09:00", "end": "10:00", "locations": value})

    assert refused.value.errors()[0]["loc"][0] == "locations"


def test_an_interval_with_locations_stays_hashable_and_answers_them_as_a_list() -> None:
    with_places = Interval.model_validate(hours("09:00", "10:00", ["Annex", "North Wing"]))
    without = Interval.model_validate(hours("09:00", "10:00"))

    assert len({with_places, without, Interval.model_validate(hours("09:00", "10:00", ["Annex", "North Wing"]))}) == 2
    assert with_places.model_dump(mode="json") == {
        "start": "09:00",
        "end": "10:00",
        "locations": ["Annex", "North Wing"],
    }
    assert without.model_dump(mode="json") == {"start": "09:00", "end": "10:00"}  # no `locations: null` noise


def test_a_session_location_the_doctor_does_not_list_is_refused_with_its_path() -> None:
    who = doctor(
        "UTC",
        30,
        {"monday": [hours("09:00", "10:00"), hours("13:00", "14:00", ["Annex", "Elsewhere"])]},
        {"2027-03-15": [hours("09:00", "10:00", ["Nowhere"])]},
    )

    with pytest.raises(InvalidInput) as refused:
        check_opening_hours(who)

    assert [(problem.path, problem.message) for problem in refused.value.problems] == [
        ("schedule.monday[1].locations[1]", "'Elsewhere' is not one of the doctor's locations"),
        ("overrides.2027-03-15[0].locations[0]", "'Nowhere' is not one of the doctor's locations"),
    ]


def test_removing_a_location_that_a_session_still_names_is_refused() -> None:
    who = doctor("UTC", 30, {"monday": [hours("09:00", "10:00", ["Annex"])]}, locations=["North Wing", "Annex"])
    check_opening_hours(who)

    without_annex = who.model_copy(update={"locations": ["North Wing"]})

    with pytest.raises(InvalidInput) as refused:
        check_opening_hours(without_annex)
    assert [problem.path for problem in refused.value.problems] == ["schedule.monday[0].locations[0]"]


# The buffered grid


def test_buffer_makes_the_grid_slot_gap_slot_and_the_last_slot_must_fit() -> None:
    who = doctor("UTC", 30, {"monday": [hours("09:00", "12:00"), hours("13:00", "14:00")]}, buffer_minutes=15)

    assert [start for start, _ in local(who, date(2027, 3, 15))] == [
        "2027-03-15T09:00:00+00:00",
        "2027-03-15T09:45:00+00:00",
        "2027-03-15T10:30:00+00:00",
        "2027-03-15T11:15:00+00:00",  # ends 11:45; 12:00 would end after closing
        "2027-03-15T13:00:00+00:00",  # each interval starts its own grid; 13:45 would end at 14:15
    ]


def test_a_buffer_longer_than_what_is_left_leaves_one_slot() -> None:
    who = doctor("UTC", 30, {"monday": [hours("09:00", "10:00")]}, buffer_minutes=10)

    assert local(who, date(2027, 3, 15)) == [("2027-03-15T09:00:00+00:00", "2027-03-15T09:30:00+00:00")]


def test_a_zero_buffer_keeps_the_plain_grid() -> None:
    who = doctor("America/New_York", 30, {"monday": [hours("09:00", "11:00")]}, buffer_minutes=0)

    assert len(local(who, date(2027, 3, 15))) == 4


def test_new_york_spring_forward_with_a_buffer_drops_the_slot_that_would_overlap_across_the_gap() -> None:
    who = doctor("America/New_York", 60, {"sunday": [hours("00:00", "06:00")]}, buffer_minutes=30)

    # Wall starts 00:00, 01:30, 03:00, 04:30. 01:30 EST lasts 60 real minutes, to 03:30 EDT, so 03:00 EDT
    # would overlap it; 04:30 EDT is a full hour after it ends.
    assert local(who, date(2027, 3, 14)) == [
        ("2027-03-14T00:00:00-05:00", "2027-03-14T01:00:00-05:00"),
        ("2027-03-14T01:30:00-05:00", "2027-03-14T03:30:00-04:00"),
        ("2027-03-14T04:30:00-04:00", "2027-03-14T05:30:00-04:00"),
    ]


def test_new_york_spring_forward_keeps_the_buffer_after_a_slot_that_straddles_the_gap() -> None:
    who = doctor("America/New_York", 30, {"sunday": [hours("01:45", "06:00")]}, buffer_minutes=60)

    # 01:45 EST ends at 03:15 EDT (30 real minutes). The next wall start, 03:15 EDT, would begin the moment it
    # ends, with no buffer: it is not published. 04:45 EDT is next.
    assert local(who, date(2027, 3, 14)) == [
        ("2027-03-14T01:45:00-05:00", "2027-03-14T03:15:00-04:00"),
        ("2027-03-14T04:45:00-04:00", "2027-03-14T05:15:00-04:00"),
    ]


def test_new_york_spring_forward_skips_a_buffered_start_in_the_gap() -> None:
    who = doctor("America/New_York", 30, {"sunday": [hours("01:00", "04:00")]}, buffer_minutes=30)

    # Wall starts 01:00, 02:00 (does not exist), 03:00.
    assert local(who, date(2027, 3, 14)) == [
        ("2027-03-14T01:00:00-05:00", "2027-03-14T01:30:00-05:00"),
        ("2027-03-14T03:00:00-04:00", "2027-03-14T03:30:00-04:00"),
    ]


def test_new_york_fall_back_with_a_buffer_takes_the_repeated_hour_once() -> None:
    who = doctor("America/New_York", 30, {"sunday": [hours("00:00", "04:00")]}, buffer_minutes=30)

    assert local(who, date(2027, 11, 7)) == [
        ("2027-11-07T00:00:00-04:00", "2027-11-07T00:30:00-04:00"),
        ("2027-11-07T01:00:00-04:00", "2027-11-07T01:30:00-04:00"),  # the first 01:00 only
        ("2027-11-07T02:00:00-05:00", "2027-11-07T02:30:00-05:00"),
        ("2027-11-07T03:00:00-05:00", "2027-11-07T03:30:00-05:00"),
    ]


def test_new_york_fall_back_a_buffered_slot_across_the_change_lasts_its_real_minutes() -> None:
    who = doctor("America/New_York", 90, {"sunday": [hours("00:30", "04:00")]}, buffer_minutes=15)

    # 00:30 EDT + 90 minutes is 01:00 EST; the next wall start is 02:15 (EST), 75 real minutes later.
    assert local(who, date(2027, 11, 7)) == [
        ("2027-11-07T00:30:00-04:00", "2027-11-07T01:00:00-05:00"),
        ("2027-11-07T02:15:00-05:00", "2027-11-07T03:45:00-05:00"),
    ]


# Per-session locations


def test_each_slot_offers_its_sessions_locations_or_all_of_the_doctors() -> None:
    who = doctor(
        "UTC",
        60,
        {"monday": [hours("09:00", "10:00", ["Annex"]), hours("13:00", "14:00")]},
        {"2027-03-22": [hours("11:00", "12:00", ["South Wing", "North Wing"])]},
    )

    assert [(f"{slot.start:%H:%M}", slot.locations) for slot in slots_on(who, date(2027, 3, 15))] == [
        ("09:00", ("Annex",)),
        ("13:00", ("North Wing", "South Wing", "Annex")),
    ]
    assert [(f"{slot.start:%H:%M}", slot.locations) for slot in slots_on(who, date(2027, 3, 22))] == [
        ("11:00", ("South Wing", "North Wing")),
    ]


def test_published_slot_at_returns_the_slot_with_its_locations_or_none() -> None:
    who = doctor("America/New_York", 30, {"monday": [hours("09:00", "12:00", ["Annex"])]}, buffer_minutes=15)

    found = published_slot_at(who, datetime.fromisoformat("2027-03-15T13:45:00+00:00"))  # 09:45 in New York

    eastern_daylight = timedelta(hours=-4)
    assert found == PublishedSlot(
        datetime(2027, 3, 15, 13, 45, tzinfo=UTC),
        datetime(2027, 3, 15, 14, 15, tzinfo=UTC),
        ("Annex",),
        eastern_daylight,
        eastern_daylight,
    )
    assert published_slot_at(who, datetime.fromisoformat("2027-03-15T09:30:00-04:00")) is None  # in the buffer
    assert published_slot_at(who, datetime.fromisoformat("2027-03-16T09:00:00-04:00")) is None  # closed day


# Notice and horizon

NOW = datetime(2027, 3, 15, 8, 0, 0, 123456, tzinfo=UTC)


def test_without_rules_any_start_from_now_on_is_bookable() -> None:
    times = bookable_times(BookingRules(), NOW)

    assert times.problem(NOW) is None
    assert times.problem(NOW + timedelta(days=3650)) is None
    assert times.problem(NOW - timedelta(microseconds=1)) == "is in the past"
    assert times.clip(NOW - timedelta(hours=1), NOW + timedelta(days=1)) == (NOW, NOW + timedelta(days=1))


def test_minimum_notice_includes_its_first_instant() -> None:
    times = bookable_times(BookingRules(min_notice_minutes=120), NOW)

    assert times.problem(NOW + timedelta(minutes=120)) is None
    message = times.problem(NOW + timedelta(minutes=119))
    assert message is not None
    assert "less than 120 minutes from now" in message
    assert "min_notice_minutes" in message
    assert times.problem(NOW - timedelta(minutes=1)) == "is in the past"


def test_horizon_includes_its_last_instant() -> None:
    times = bookable_times(BookingRules(horizon_days=30), NOW)
    last = NOW + timedelta(days=30)

    assert times.problem(last) is None
    message = times.problem(last + timedelta(microseconds=1))
    assert message is not None
    assert "more than 30 days from now" in message
    assert "horizon_days" in message
    start, end = times.clip(NOW, NOW + timedelta(days=31))
    assert start <= last < end
    assert end - last == timedelta(microseconds=1)


def test_notice_and_horizon_clip_the_published_slots_searched() -> None:
    who = doctor("UTC", 60, {day: [hours("00:00", "24:00")] for day in WEEKDAYS})
    who = who.model_copy(update={"rules": BookingRules(min_notice_minutes=90, horizon_days=1)})
    times = bookable_times(who.rules, datetime(2027, 3, 15, 8, tzinfo=UTC))

    start, end = times.clip(datetime(2027, 3, 15, tzinfo=UTC), datetime(2027, 3, 20, tzinfo=UTC))
    found = list(published_slots(who, start, end))

    assert found[0].start == datetime(2027, 3, 15, 10, tzinfo=UTC)  # 09:00 is sooner than 09:30
    assert found[-1].start == datetime(2027, 3, 16, 8, tzinfo=UTC)  # exactly one day ahead: included
    assert len(found) == 23


# Properties

# Random doctors with buffers and session locations (none, or one to three of the doctor's places), in 2027 windows.
CASES = windows_in_2027(
    doctors(
        buffers=(0, 5, 10, 15, 25, 30, 45, 60, 90, 240),
        places=st.none() | st.lists(st.sampled_from(PLACES), min_size=1, max_size=3, unique=True),
    )
)
Case = tuple[DoctorIn, Window]


def _home(who: DoctorIn, slot: PublishedSlot) -> tuple[date, int, Interval, int, int]:
    """The local date, index and interval whose hours hold `slot`'s start, and its wall-clock start and end."""
    zone = ZoneInfo(who.timezone)
    day = slot.start.astimezone(zone).date()
    midnight = datetime(day.year, day.month, day.day)
    begins, ends = wall_minutes(midnight, slot.start, zone), wall_minutes(midnight, slot.end, zone)
    for index, interval in enumerate(opening_hours_on(who, day)):
        if interval.start_minute <= begins < interval.end_minute:
            return day, index, interval, begins, ends
    raise AssertionError(f"{slot} starts outside every interval")


NEW_YORK_SPRING_SESSIONS = doctor(
    "America/New_York", 30, {"sunday": [hours("01:45", "06:00", ["Annex"])]}, buffer_minutes=60
)


@settings(max_examples=300, deadline=None)
@given(case=CASES)
@example(case=(NEW_YORK_SPRING_SESSIONS, (datetime(2027, 3, 14, 5, tzinfo=UTC), timedelta(hours=6))))
def test_buffered_slots_lie_in_their_interval_offer_its_locations_and_never_overlap(case: Case) -> None:
    who, (start, length) = case
    step = who.slot_minutes + who.rules.buffer_minutes
    buffer = timedelta(minutes=who.rules.buffer_minutes)

    slots = list(published_slots(who, start, start + length))

    for slot in slots:
        assert start <= slot.start < start + length
        assert slot.end - slot.start == timedelta(minutes=who.slot_minutes)
        _, _, interval, begins, ends = _home(who, slot)
        assert ends <= interval.end_minute, slot  # ends inside its interval on the local clock
        assert (begins - interval.start_minute) % step == 0, slot  # on the buffered grid
        assert slot.locations == (interval.locations or tuple(who.locations)), slot
        assert set(slot.locations) <= set(who.locations)
    for earlier, later in pairwise(slots):
        assert earlier.end <= later.start, (earlier, later)  # sorted, no overlap
        if _home(who, earlier)[:2] == _home(who, later)[:2]:
            assert later.start - earlier.end >= buffer, (earlier, later)  # one interval: at least a buffer apart


@settings(max_examples=200, deadline=None)
@given(case=CASES)
def test_fixed_offset_zones_publish_exactly_the_buffered_arithmetic_grid(case: Case) -> None:
    who, (start, length) = case
    if who.timezone not in FIXED_OFFSET_ZONES:
        who = who.model_copy(update={"timezone": "Asia/Kathmandu"})
    offset = FIXED_OFFSET_ZONES[who.timezone]
    step = who.slot_minutes + who.rules.buffer_minutes

    expected = []
    day = (start + offset).date() - timedelta(days=1)
    while day <= (start + length + offset).date():
        for interval in opening_hours_on(who, day):
            for minute in range(interval.start_minute, interval.end_minute - who.slot_minutes + 1, step):
                instant = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(minutes=minute) - offset
                if start <= instant < start + length:
                    expected.append((instant, interval.locations or tuple(who.locations)))
        day += timedelta(days=1)

    assert [(slot.start, slot.locations) for slot in published_slots(who, start, start + length)] == sorted(expected)


@settings(max_examples=100, deadline=None)
@given(case=CASES, data=st.data())
def test_published_slot_at_finds_exactly_the_published_starts(case: Case, data: st.DataObject) -> None:
    who, (start, length) = case
    slots = list(published_slots(who, start, start + length))
    if not slots:
        return

    slot = data.draw(st.sampled_from(slots))
    assert published_slot_at(who, slot.start) == slot
    assert published_slot_at(who, slot.start + timedelta(minutes=1)) is None
