"""Which published slots are free: the one rule set the search of one doctor and the search across doctors share.

1. Only starts the doctor's notice and horizon allow now (never the past) are offered (`bookable_window`).
2. A slot is free if no appointment or unexpired hold overlaps it, and (with a daily cap) its local day is not
   full (`free_among`), judged on the bookings `bookings_to_read` names for the slots' span.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from scheduling.domain.booked import LONGEST_BOOKING, BookedInterval, free_of
from scheduling.domain.daily_cap import day_bounds, full_days, local_day
from scheduling.domain.notice import bookable_times
from scheduling.domain.slots import PublishedSlot
from scheduling.models import Doctor


def bookable_window(doctor: Doctor, start: datetime, end: datetime, now: datetime) -> tuple[datetime, datetime] | None:
    """The part of `[start, end)` where this doctor's slots may start now; None if there is none."""
    first, last = bookable_times(doctor.rules, now).clip(start, end)
    return (first, last) if first < last else None


def bookings_to_read(doctor: Doctor, first_start: datetime, last_start: datetime) -> tuple[datetime, datetime]:
    """The span of bookings that decide whether slots starting in `[first_start, last_start]` are free: a slot
    may end up to the longest slot after its start, and with a daily cap every booking of those local days
    counts."""
    first, last = first_start, last_start + LONGEST_BOOKING
    if doctor.rules.max_per_day is not None:
        zone = doctor.zone
        first = min(first, day_bounds(local_day(first_start, zone), zone)[0])
        last = max(last, day_bounds(local_day(last_start, zone), zone)[1])
    return first, last


def free_among(doctor: Doctor, slots: Iterable[PublishedSlot], booked: list[BookedInterval]) -> Iterator[PublishedSlot]:
    """The slots (ascending, of this doctor) that `booked` leaves free, `booked` as `bookings_to_read` spans."""
    zone = doctor.zone
    full = full_days(booked, zone, doctor.rules.max_per_day)
    for slot in free_of(slots, booked):
        if not full or local_day(slot.start, zone) not in full:  # the day lookup only when a day is full
            yield slot
