"""The fast slot generator against the plain per-slot reading of the rules it replaced (tests/support/old_slots.py),
and the one tz-database property it relies on.

The generator counts slots arithmetically on hours with one UTC offset and walks only hours with a clock change
(docs/performance.md). Every answer must be the old one: the same instants and locations in the same order, and
the offsets it now carries must be the zone's. Examples are drawn deterministically (`derandomize`), half of
the windows open just before one of the zone's clock changes, and the named DST days are pinned as examples.
"""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from scheduling.domain.slots import PublishedSlot, published_slot_at, published_slots
from scheduling.models import DoctorIn
from scheduling.models.doctors import _timezone_names
from tests.support import old_slots
from tests.support.slot_cases import FIRST_YEAR, NAMED, at, cases, doctor, every_day


def triples(slots: Any) -> list[tuple[datetime, datetime, tuple[str, ...]]]:
    return [(slot.start, slot.end, slot.locations) for slot in slots]


def assert_offsets_are_the_zones(slot: PublishedSlot, zone: ZoneInfo) -> None:
    assert slot.start.tzinfo is UTC
    assert slot.end.tzinfo is UTC
    assert slot.start_offset == slot.start.astimezone(zone).utcoffset(), slot
    assert slot.end_offset == slot.end.astimezone(zone).utcoffset(), slot


@pytest.mark.parametrize(("who", "start", "end"), NAMED)
def test_named_clock_changes_give_the_old_answer(who: DoctorIn, start: datetime, end: datetime) -> None:
    zone = ZoneInfo(who.timezone)

    slots = list(published_slots(who, start, end))

    assert slots
    assert triples(slots) == triples(old_slots.published_slots(who, start, end))
    for slot in slots:
        assert_offsets_are_the_zones(slot, zone)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(case=cases())
def test_the_generator_gives_the_old_answer_on_random_hours_zones_and_windows(
    case: tuple[DoctorIn, datetime, datetime],
) -> None:
    who, start, end = case
    zone = ZoneInfo(who.timezone)

    slots = list(published_slots(who, start, end))

    assert triples(slots) == triples(old_slots.published_slots(who, start, end))
    for slot in slots:
        assert_offsets_are_the_zones(slot, zone)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(case=cases(), nudge=st.sampled_from([timedelta(0), timedelta(minutes=1), timedelta(minutes=-30)]))
@example(case=NAMED[3], nudge=timedelta(0))
@example(case=NAMED[5], nudge=timedelta(0))
def test_the_slot_at_an_instant_is_the_old_one(case: tuple[DoctorIn, datetime, datetime], nudge: timedelta) -> None:
    """Booking asks for the one slot at a start: every published start (nudged or not) gets the old answer."""
    who, start, end = case
    zone = ZoneInfo(who.timezone)

    for old in list(old_slots.published_slots(who, start, end))[:40]:
        instant = (old.start + nudge).astimezone(zone)  # any offset names the same instant
        found, expected = published_slot_at(who, instant), old_slots.published_slot_at(who, instant)
        if expected is None:
            assert found is None, instant
        else:
            assert found is not None, instant
            assert triples([found]) == triples([expected])
            assert_offsets_are_the_zones(found, zone)


def test_a_window_that_starts_after_it_ends_is_empty() -> None:
    who = doctor("UTC", 30, every_day())

    assert list(published_slots(who, at("2027-03-02T00:00Z"), at("2027-03-01T00:00Z"))) == []


# The tz-database property the generator relies on


MIN_SPACING = timedelta(days=3)


def _offset_changes(name: str) -> list[datetime]:
    """Every instant at which the zone's UTC offset changes, 1970 to 400 years past its last listed transition
    (its rule repeats with the Gregorian calendar's 400-year cycle). ZoneInfo lists no transitions publicly;
    the standard library's pure-Python implementation keeps them, read from the same tz data files."""
    python_zoneinfo: Any = importlib.import_module("zoneinfo._zoneinfo")
    listed = python_zoneinfo.ZoneInfo.no_cache(name)
    zone = ZoneInfo(name)
    changes = [
        moment
        for moment in (datetime.fromtimestamp(stamp, UTC) for stamp in listed._trans_utc)
        if moment.year >= FIRST_YEAR
        and (moment - timedelta(seconds=1)).astimezone(zone).utcoffset() != moment.astimezone(zone).utcoffset()
    ]
    rule = listed._tz_after
    if hasattr(rule, "transitions") and rule.std.utcoff != rule.dst.utcoff:
        last_listed = changes[-1] if changes else datetime(FIRST_YEAR, 1, 1, tzinfo=UTC)
        for year in range(last_listed.year, last_listed.year + 401):
            # The rule's transitions are counted in local time, so within a day of the instant: the check
            # below asks for four days where the generator needs three.
            changes += [
                moment
                for moment in (datetime.fromtimestamp(stamp, UTC) for stamp in rule.transitions(year))
                if moment > last_listed + timedelta(days=1)  # the rule takes over after the listed transitions
            ]
    return sorted(changes)


def test_every_zone_changes_its_offset_at_most_once_in_three_days() -> None:
    """`domain.slots` tells a steady day by its edges; that is exact only if no two changes are this close.
    The closest pairs in the tz database are 6 days 23 hours apart (Brazil in 2000, Gaza in some later years)."""
    closest: list[tuple[timedelta, str, datetime]] = []
    for name in sorted(_timezone_names()):
        changes = _offset_changes(name)
        closest += [(later - earlier, name, earlier) for earlier, later in pairwise(changes)]

    too_close = [pair for pair in closest if pair[0] < MIN_SPACING + timedelta(days=1)]

    assert len(closest) > 10_000  # the scan saw the tz database's changes
    assert too_close == []


def test_the_offset_change_scan_finds_known_changes() -> None:
    new_york = _offset_changes("America/New_York")

    assert datetime(2027, 3, 14, 7, tzinfo=UTC) in new_york  # listed
    assert [moment.month for moment in new_york if moment.year == 2300] == [3, 11]  # from the rule
