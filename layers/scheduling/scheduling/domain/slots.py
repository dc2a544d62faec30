"""Published slots: a doctor's opening hours cut into fixed-length slots, in the doctor's time zone.

Rules (docs/availability.md):
- each local date uses its override if there is one, else the weekly hours of its weekday;
- slot starts are wall-clock `start + k * slot_minutes` while `start + slot_minutes <= end`;
- a start that does not exist (spring-forward gap) is skipped; an ambiguous one is taken once, at `fold=0`;
- a slot is the instant range `[start, start + slot_minutes)`; one whose end reads later than the interval's
  end on the local clock, or that would begin before the previous slot ends, is not published (both can
  happen only when a slot straddles a spring-forward gap).
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


def is_published(doctor: DoctorIn, start: datetime) -> bool:
    """Whether `start` (any offset) is the start of one of the doctor's published slots."""
    instant = start.astimezone(UTC)
    zone = doctor.zone
    return any(slot.start == instant for slot in _slots_on(doctor, zone, instant.astimezone(zone).date()))


def _slots_on(doctor: DoctorIn, zone: ZoneInfo, day: date) -> Iterator[PublishedSlot]:
    length = timedelta(minutes=doctor.slot_minutes)
    midnight = datetime.combine(day, time(0))
    for interval in sorted(opening_hours_on(doctor, day), key=lambda hours: hours.start_minute):
        previous_end: datetime | None = None
        minute = interval.start_minute
        while minute + doctor.slot_minutes <= interval.end_minute:
            wall = midnight + timedelta(minutes=minute)
            minute += doctor.slot_minutes
            local_start = wall.replace(tzinfo=zone, fold=0)
            start = local_start.astimezone(UTC)
            if start.astimezone(zone).replace(tzinfo=None) != wall:
                continue  # in a spring-forward gap
            end = start + length
            if _minutes_since(midnight, end.astimezone(zone)) > interval.end_minute:
                continue
            if previous_end is not None and start < previous_end:
                continue
            previous_end = end
            yield PublishedSlot(start, end)


def _minutes_since(midnight: datetime, aware: datetime) -> int:
    """Wall-clock minutes from the local midnight that opens the day, so next midnight reads 1440."""
    return int((aware.replace(tzinfo=None) - midnight).total_seconds() // 60)
