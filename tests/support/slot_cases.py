"""Doctors and windows for slot tests, the one home of the slot strategies: `cases` over zones with every kind of
clock, random hours, buffers, session locations and overrides, half the windows opening just before a clock change
(the generator's and the JSON answer's differential tests); `doctors` and `windows_in_2027` for the grid's
properties (test_slots.py, test_slot_rules.py); and named clock changes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import cache
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from scheduling.models import WEEKDAYS, DoctorIn

PLACES = ["North Wing", "South Wing", "Annex"]
# Zones with every kind of clock: fixed odd offsets, DST gaps and folds of 30 minutes to 2 hours, changes at
# local midnight, negative DST, an offset with seconds, a skipped calendar day, monthly Ramadan changes.
ZONES = [
    "UTC",
    "Asia/Kathmandu",
    "America/St_Johns",
    "America/New_York",
    "Europe/London",
    "Europe/Dublin",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "America/Santiago",
    "America/Havana",
    "Antarctica/Troll",
    "Africa/Casablanca",
    "Africa/Monrovia",
    "Pacific/Apia",
    "America/Sao_Paulo",
]
FIRST_YEAR, LAST_YEAR = 1970, 2040
SLOT_MINUTES = [5, 10, 15, 20, 25, 30, 45, 60, 90, 120, 240]
# The zones of the grid's properties over 2027 (`doctors`, `windows_in_2027`).
GRID_ZONES = [
    "UTC",
    "Asia/Kathmandu",
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Pacific/Chatham",
    "America/Havana",
]
FIXED_OFFSET_ZONES = {"UTC": timedelta(0), "Asia/Kathmandu": timedelta(hours=5, minutes=45)}
# Session locations as `cases` draws them: none, one or two of the doctor's places.
UP_TO_TWO_PLACES = st.lists(st.sampled_from(PLACES), unique=True, max_size=2)
NO_PLACES: st.SearchStrategy[None] = st.none()


def doctor(
    timezone: str,
    slot_minutes: int,
    schedule: Mapping[str, Any],
    overrides: Mapping[str, Any] | None = None,
    buffer_minutes: int = 0,
    locations: list[str] | None = None,
) -> DoctorIn:
    return DoctorIn.model_validate(
        {
            "name": "Dr Test",
            "locations": locations or PLACES,
            "timezone": timezone,
            "slot_minutes": slot_minutes,
            "schedule": schedule,
            "overrides": overrides or {},
            "rules": {"buffer_minutes": buffer_minutes},
        }
    )


def every_day(start: str = "00:00", end: str = "24:00") -> dict[str, Any]:
    return {day: [{"start": start, "end": end}] for day in WEEKDAYS}


@cache
def clock_changes(timezone: str) -> list[datetime]:
    """Days (UTC midnights) after which the zone's offset differs, 1970-2040, found day by day."""
    zone = ZoneInfo(timezone)
    days = [datetime(FIRST_YEAR, 1, 1, tzinfo=UTC) + timedelta(days=n) for n in range(365 * (LAST_YEAR - FIRST_YEAR))]
    return [
        later
        for earlier, later in pairwise(days)
        if earlier.astimezone(zone).utcoffset() != later.astimezone(zone).utcoffset()
    ]


@cache
def clock_changes_in_2027(timezone: str) -> list[datetime]:
    """Instants in 2027 at which the zone's UTC offset changes (found hour by hour)."""
    zone = ZoneInfo(timezone)
    hours_of_year = [datetime(2027, 1, 1, tzinfo=UTC) + timedelta(hours=n) for n in range(365 * 24)]
    return [
        later
        for earlier, later in pairwise(hours_of_year)
        if earlier.astimezone(zone).utcoffset() != later.astimezone(zone).utcoffset()
    ]


@st.composite
def day_hours(
    draw: st.DrawFn, slot_minutes: int, places: st.SearchStrategy[list[str] | None] = UP_TO_TWO_PLACES
) -> list[dict[str, Any]]:
    """Non-overlapping intervals on a five-minute grid, each at least one slot long; an interval takes the
    locations `places` draws for it (none when it draws None or nothing)."""
    cuts = sorted(draw(st.sets(st.integers(0, 288), max_size=6)))
    intervals: list[dict[str, Any]] = []
    for start, end in zip(cuts[::2], cuts[1::2], strict=False):
        if (end - start) * 5 >= slot_minutes:
            interval: dict[str, Any] = {"start": _clock(start * 5), "end": _clock(end * 5)}
            chosen = draw(places)
            if chosen:
                interval["locations"] = chosen
            intervals.append(interval)
    return intervals


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def cases(draw: st.DrawFn) -> tuple[DoctorIn, datetime, datetime]:
    timezone = draw(st.sampled_from(ZONES))
    slot_minutes = draw(st.sampled_from(SLOT_MINUTES))
    changes = clock_changes(timezone)
    near_a_change: bool = draw(st.booleans())
    if changes and near_a_change:
        start = draw(st.sampled_from(changes)) - draw(st.timedeltas(timedelta(0), timedelta(days=2)))
    else:
        start = draw(st.datetimes(datetime(FIRST_YEAR, 1, 2), datetime(LAST_YEAR, 1, 1), timezones=st.just(UTC)))
    length = draw(st.timedeltas(timedelta(minutes=1), timedelta(days=4)))
    schedule: dict[str, Any] = {day: draw(day_hours(slot_minutes)) for day in draw(st.sets(st.sampled_from(WEEKDAYS)))}
    around_the_clock: bool = draw(st.booleans())
    if around_the_clock:  # open around the clock: every change meets a session
        schedule = every_day()
    local_start = start.astimezone(ZoneInfo(timezone)).date()
    override_days = draw(st.sets(st.integers(-1, 4).map(lambda n: local_start + timedelta(days=n)), max_size=2))
    overrides = {str(day): draw(day_hours(slot_minutes)) for day in override_days}
    buffer_minutes = draw(st.sampled_from([0, 0, 5, 10, 15, 45]))
    return doctor(timezone, slot_minutes, schedule, overrides, buffer_minutes), start, start + length


@st.composite
def doctors(
    draw: st.DrawFn,
    buffers: Sequence[int] = (0,),
    places: st.SearchStrategy[list[str] | None] = NO_PLACES,
    locations: list[str] | None = None,
) -> DoctorIn:
    """A doctor in one of GRID_ZONES with random weekly hours, a buffer drawn from `buffers`, session locations
    drawn from `places` and a few overrides around the turn of 2027."""
    slot_minutes = draw(st.sampled_from(SLOT_MINUTES))
    buffer_minutes = draw(st.sampled_from(buffers))
    schedule: dict[str, Any] = {
        day: draw(day_hours(slot_minutes, places)) for day in draw(st.sets(st.sampled_from(WEEKDAYS)))
    }
    override_days = draw(st.sets(st.dates(date(2026, 12, 25), date(2027, 1, 10)), max_size=3))
    overrides = {str(day): draw(day_hours(slot_minutes, places)) for day in override_days}
    return doctor(draw(st.sampled_from(GRID_ZONES)), slot_minutes, schedule, overrides, buffer_minutes, locations)


Window = tuple[datetime, timedelta]


@st.composite
def windows_in_2027(draw: st.DrawFn, who: st.SearchStrategy[DoctorIn]) -> tuple[DoctorIn, Window]:
    """A doctor drawn from `who` and a window (start, length up to 10 days) in 2027; half the windows open within
    two days before one of the zone's clock changes."""
    doctor_drawn = draw(who)
    length = draw(st.timedeltas(timedelta(minutes=1), timedelta(days=10)))
    changes = clock_changes_in_2027(doctor_drawn.timezone)
    near_a_change: bool = draw(st.booleans())
    if changes and near_a_change:
        start = draw(st.sampled_from(changes)) - draw(st.timedeltas(timedelta(0), timedelta(days=2)))
    else:
        start = draw(st.datetimes(datetime(2026, 12, 20), datetime(2027, 12, 31), timezones=st.just(UTC)))
    return doctor_drawn, (start, length)


def wall_minutes(midnight: datetime, instant: datetime, zone: ZoneInfo) -> int:
    """Minutes from a local midnight (naive) to `instant` read on the zone's wall clock."""
    return int((instant.astimezone(zone).replace(tzinfo=None) - midnight).total_seconds() // 60)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


# Named clock changes, each a whole day or two open around the clock.
NAMED = [
    (doctor("America/New_York", 5, every_day()), at("2027-03-13T12:00:00Z"), at("2027-03-16T00:00:00Z")),
    (doctor("America/New_York", 30, every_day()), at("2027-11-06T12:00:00Z"), at("2027-11-09T00:00:00Z")),
    (doctor("America/New_York", 90, every_day("01:30", "06:00")), at("2027-03-14T00:00:00Z"), at("2027-03-15T00:00Z")),
    (doctor("Australia/Lord_Howe", 45, every_day("01:05", "06:00")), at("2027-10-02T00:00Z"), at("2027-10-04T00:00Z")),
    (doctor("Australia/Lord_Howe", 30, every_day()), at("2027-04-03T00:00Z"), at("2027-04-05T00:00Z")),
    (doctor("Pacific/Chatham", 25, every_day("02:30", "05:00")), at("2027-09-25T00:00Z"), at("2027-09-27T00:00Z")),
    (doctor("Pacific/Chatham", 25, every_day(), buffer_minutes=10), at("2027-04-03T00:00Z"), at("2027-04-05T00:00Z")),
    (doctor("Asia/Kathmandu", 15, every_day()), at("2027-03-14T00:00Z"), at("2027-03-16T00:00Z")),
    (doctor("America/Santiago", 60, every_day()), at("2027-04-02T00:00Z"), at("2027-04-05T00:00Z")),
    (doctor("America/Santiago", 20, every_day(), buffer_minutes=5), at("2027-09-03T00:00Z"), at("2027-09-06T00:00Z")),
    (doctor("Europe/Dublin", 60, every_day()), at("2027-10-30T00:00Z"), at("2027-11-01T00:00Z")),
    (doctor("Antarctica/Troll", 30, every_day()), at("2027-03-27T00:00Z"), at("2027-03-30T00:00Z")),
    (doctor("Africa/Monrovia", 45, every_day()), at("1972-01-05T00:00Z"), at("1972-01-09T00:00Z")),
    (doctor("Pacific/Apia", 60, every_day()), at("2011-12-28T00:00Z"), at("2012-01-01T00:00Z")),
]
