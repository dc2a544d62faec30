"""The daily cap (`rules.max_per_day`): how many appointments and unexpired holds a doctor's local day holds.

Every appointment that still takes its time counts (booked, checked in, completed, no-show; not cancelled),
and so does every unexpired hold. A day is full when that count has reached the cap.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduling.domain.booked import BookedInterval


def local_day(instant: datetime, zone: ZoneInfo) -> date:
    """The doctor's date on which `instant` falls (a slot belongs to the day its start reads)."""
    return instant.astimezone(zone).date()


# How far an instant's local day reaches on either side of it, in every zone whose clock changes by at most an
# hour (UTC-12 to UTC+14): a local day lasts at most 25 hours. A look this wide holds the day's bookings before the
# doctor's zone is known; a zone it does not cover (a 2-hour change) is counted after the doctor's read.
ANY_LOCAL_DAY = timedelta(hours=25)


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants `[start, end)` of a local date: 23, 24 or 25 hours long around clock changes."""
    return (
        datetime.combine(day, time(0), tzinfo=zone),
        datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone),
    )


def taken_per_day(booked: Iterable[BookedInterval], zone: ZoneInfo, leaving: str | None = None) -> Counter[date]:
    """How many appointments and unexpired holds each local day holds (`leaving`: one being moved away)."""
    return Counter(local_day(item.start, zone) for item in booked if item.appointment_id != leaving)


def full_days(booked: Iterable[BookedInterval], zone: ZoneInfo, cap: int | None) -> set[date]:
    if cap is None:
        return set()
    return {day for day, taken in taken_per_day(booked, zone).items() if taken >= cap}


def within(day: date, zone: ZoneInfo, first: datetime, last: datetime) -> bool:
    """Whether `[first, last)` holds the whole local `day` of `zone`."""
    start, end = day_bounds(day, zone)
    return first <= start and end <= last
