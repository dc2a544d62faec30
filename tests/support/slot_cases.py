"""Doctors and windows for slot tests: a hypothesis strategy over zones with every kind of clock, random hours,
buffers, session locations and overrides, half the windows opening just before a clock change; and named clock
changes. Shared by the generator's and the JSON answer's differential tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
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


def doctor(
    timezone: str,
    slot_minutes: int,
    schedule: dict[str, Any],
    overrides: dict[str, Any] | None = None,
    buffer_minutes: int = 0,
) -> DoctorIn:
    return DoctorIn.model_validate(
        {
            "name": "Dr Test",
            "locations": PLACES,
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


@st.composite
def day_hours(draw: st.DrawFn, slot_minutes: int) -> list[dict[str, Any]]:
    """Non-overlapping intervals on a five-minute grid, each at least one slot long, some with locations."""
    cuts = sorted(draw(st.sets(st.integers(0, 288), max_size=6)))
    intervals: list[dict[str, Any]] = []
    for start, end in zip(cuts[::2], cuts[1::2], strict=False):
        if (end - start) * 5 >= slot_minutes:
            interval: dict[str, Any] = {"start": _clock(start * 5), "end": _clock(end * 5)}
            places = draw(st.lists(st.sampled_from(PLACES), unique=True, max_size=2))
            if places:
                interval["locations"] = places
            intervals.append(interval)
    return intervals


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def cases(draw: st.DrawFn) -> tuple[DoctorIn, datetime, datetime]:
    timezone = draw(st.sampled_from(ZONES))
    slot_minutes = draw(st.sampled_from([5, 10, 15, 20, 25, 30, 45, 60, 90, 120, 240]))
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
