"""The per-doctor slot search as it was before issue 12 (commit c46c724), frozen.

Two users: the differential tests compare the fast generator and the fast JSON answer with it (it is the plain
per-slot reading of the rules in docs/availability.md, checked by the property and DST tests of its day), and
`make bench` times it side by side with the current code in the same run. Production never imports it.

Copied verbatim from `scheduling.domain.slots`, `scheduling.domain.booked`, `scheduling.service.free_slots` and
`functions.availability.app` (its route is in `tests.support.old_availability`); only names were changed (and
the clock is a parameter; the query text is read as the edge now reads it).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduling.domain.booked import LONGEST_BOOKING, BookedInterval
from scheduling.domain.daily_cap import day_bounds, full_days, local_day
from scheduling.domain.notice import bookable_times
from scheduling.domain.slots import opening_hours_on
from scheduling.domain.windows import slot_window
from scheduling.http.query_text import query_time_bound
from scheduling.models import DoctorIn, Slot
from scheduling.store import SchedulingStore


@dataclass(frozen=True, slots=True)
class OldSlot:
    """Instants in UTC: aware datetimes sharing one ZoneInfo compare by wall clock, ignoring fold."""

    start: datetime
    end: datetime
    locations: tuple[str, ...]


def published_slots(doctor: DoctorIn, window_start: datetime, window_end: datetime) -> Iterator[OldSlot]:
    """Slots whose start lies in `[window_start, window_end)`, ascending."""
    zone = doctor.zone
    # A slot belongs to the local date its start reads on the clock, so only the window's own dates matter.
    day = window_start.astimezone(zone).date()
    last_day = window_end.astimezone(zone).date()
    while day <= last_day:
        for slot in slots_on(doctor, zone, day):
            if window_start <= slot.start < window_end:
                yield slot
        day += timedelta(days=1)


def published_slot_at(doctor: DoctorIn, start: datetime) -> OldSlot | None:
    """The published slot that starts at `start` (any offset), or None if no published slot starts then."""
    instant = start.astimezone(UTC)
    zone = doctor.zone
    return next(
        (slot for slot in slots_on(doctor, zone, instant.astimezone(zone).date()) if slot.start == instant), None
    )


def slots_on(doctor: DoctorIn, zone: ZoneInfo, day: date) -> Iterator[OldSlot]:
    length = timedelta(minutes=doctor.slot_minutes)
    buffer = timedelta(minutes=doctor.rules.buffer_minutes)
    step = doctor.slot_minutes + doctor.rules.buffer_minutes
    everywhere = tuple(doctor.locations)
    midnight = datetime.combine(day, time(0))
    for interval in sorted(opening_hours_on(doctor, day), key=lambda hours: hours.start_minute):
        locations = interval.locations or everywhere
        free_from: datetime | None = None  # the previous slot's end plus the buffer
        minute = interval.start_minute
        while minute + doctor.slot_minutes <= interval.end_minute:
            wall = midnight + timedelta(minutes=minute)
            minute += step
            local_start = wall.replace(tzinfo=zone, fold=0)
            start = local_start.astimezone(UTC)
            if start.astimezone(zone).replace(tzinfo=None) != wall:
                continue  # in a spring-forward gap
            end = start + length
            if _minutes_since(midnight, end.astimezone(zone)) > interval.end_minute:
                continue
            if free_from is not None and start < free_from:
                continue
            free_from = end + buffer
            yield OldSlot(start, end, locations)


def _minutes_since(midnight: datetime, aware: datetime) -> int:
    """Wall-clock minutes from the local midnight that opens the day, so next midnight reads 1440."""
    return int((aware.replace(tzinfo=None) - midnight).total_seconds() // 60)


def free_of(slots: Iterable[OldSlot], booked: list[BookedInterval]) -> Iterator[OldSlot]:
    """The slots that overlap no booked interval (not only those with the same start). Slots ascend by start;
    `booked` may come in any order."""
    ordered = sorted(booked, key=lambda interval: interval.start)
    starts = [interval.start for interval in ordered]
    for slot in slots:
        # Only bookings that start before the slot ends can overlap it; of those, the ones within the longest
        # booking's reach of the slot's start are the candidates.
        last = bisect_left(starts, slot.end)
        first = bisect_left(starts, slot.start - LONGEST_BOOKING, hi=last)
        if not any(ordered[index].end > slot.start for index in range(first, last)):
            yield slot


def free_slots(
    store: SchedulingStore, doctor_id: str, from_text: str | None, to_text: str | None, now: datetime
) -> list[Slot]:
    """The service's `free_slots` (the doctor read through the store's public `get_doctor`)."""
    doctor = store.get_doctor(doctor_id).doctor
    zone = doctor.zone
    window = slot_window(query_time_bound("from", from_text), query_time_bound("to", to_text), zone, now)
    start, end = bookable_times(doctor.rules, now).clip(window.start, window.end)
    if start >= end:
        return []
    first, last = start, end + LONGEST_BOOKING
    if doctor.rules.max_per_day is not None:
        first = min(first, day_bounds(local_day(start, zone), zone)[0])
        last = max(last, day_bounds(local_day(end, zone), zone)[1])
    booked = store.booked_intervals(doctor_id, first, last, LONGEST_BOOKING, now)
    full = full_days(booked, zone, doctor.rules.max_per_day)
    return [
        Slot(start=slot.start.astimezone(zone), end=slot.end.astimezone(zone), locations=list(slot.locations))
        for slot in free_of(published_slots(doctor, start, end), booked)
        if local_day(slot.start, zone) not in full
    ]
