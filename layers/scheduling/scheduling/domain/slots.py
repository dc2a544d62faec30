"""Published slots: a doctor's opening hours cut into fixed-length slots, in the doctor's time zone.

Rules (docs/availability.md):
- each local date uses its override if there is one, else the weekly hours of its weekday;
- slot starts are wall-clock `start + k * (slot_minutes + buffer_minutes)` while `start + slot_minutes <= end`;
- a start that does not exist (spring-forward gap) is skipped; an ambiguous one is taken once, at `fold=0`;
- a slot is the instant range `[start, start + slot_minutes)`; one whose end reads later than the interval's
  end on the local clock, or that would begin less than `buffer_minutes` after the previous slot of its
  interval ends, is not published (both can happen only when a slot straddles a spring-forward gap);
- a slot is bookable at its interval's `locations`, or at every location of the doctor if it names none.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduling.models import WEEKDAYS, DoctorIn, Interval

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True, slots=True)
class PublishedSlot:
    """Instants in UTC: aware datetimes sharing one ZoneInfo compare by wall clock, ignoring fold."""

    start: datetime
    end: datetime
    locations: tuple[str, ...]


def opening_hours_on(doctor: DoctorIn, day: date) -> list[Interval]:
    override = doctor.overrides.get(day)
    if override is not None:
        return override
    return doctor.schedule.get(WEEKDAYS[day.weekday()], [])


def published_slots(doctor: DoctorIn, window_start: datetime, window_end: datetime) -> Iterator[PublishedSlot]:
    """Slots whose start lies in `[window_start, window_end)`, ascending."""
    zone = doctor.zone
    # A slot belongs to the local date its start reads on the clock, so only the window's own dates matter.
    day = window_start.astimezone(zone).date()
    last_day = window_end.astimezone(zone).date()
    while day <= last_day:
        for slot in _slots_on(doctor, zone, day):
            if window_start <= slot.start < window_end:
                yield slot
        day += timedelta(days=1)


def published_slot_at(doctor: DoctorIn, start: datetime) -> PublishedSlot | None:
    """The published slot that starts at `start` (any offset), or None if no published slot starts then."""
    instant = start.astimezone(UTC)
    zone = doctor.zone
    return next(
        (slot for slot in _slots_on(doctor, zone, instant.astimezone(zone).date()) if slot.start == instant), None
    )


def is_published(doctor: DoctorIn, start: datetime) -> bool:
    """Whether `start` (any offset) is the start of one of the doctor's published slots."""
    return published_slot_at(doctor, start) is not None


def _slots_on(doctor: DoctorIn, zone: ZoneInfo, day: date) -> Iterator[PublishedSlot]:
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
            yield PublishedSlot(start, end, locations)


def _minutes_since(midnight: datetime, aware: datetime) -> int:
    """Wall-clock minutes from the local midnight that opens the day, so next midnight reads 1440."""
    return int((aware.replace(tzinfo=None) - midnight).total_seconds() // 60)
