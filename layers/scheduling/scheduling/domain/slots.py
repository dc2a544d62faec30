"""Published slots: a doctor's opening hours cut into fixed-length slots, in the doctor's time zone.

Rules (docs/availability.md):
- each local date uses its override if there is one, else the weekly hours of its weekday;
- slot starts are wall-clock `start + k * (slot_minutes + buffer_minutes)` while `start + slot_minutes <= end`;
- a start that does not exist (spring-forward gap) is skipped; an ambiguous one is taken once, at `fold=0`;
- a slot is the instant range `[start, start + slot_minutes)`; one whose end reads later than the interval's
  end on the local clock, or that would begin less than `buffer_minutes` after the previous slot of its
  interval ends, is not published (both can happen only when a slot straddles a spring-forward gap);
- a slot is bookable at its interval's `locations`, or at every location of the doctor if it names none.

How (docs/performance.md): where the clock reads one UTC offset through a session's hours, every rule above
reduces to arithmetic, so its slots are counted in UTC from the local midnight. Only a session with a clock
change among its hours (or at their edges) is walked slot by slot, each start and end converted through the zone
exactly as the rules read. Telling the two apart takes three offset lookups per date (and per session on a date
with a change), and relies on one property of the tz database: a zone's offset changes at most once in any
three days (the closest changes are 6 days 23 hours apart; tests/unit/test_slot_generation.py checks every zone).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from itertools import chain
from typing import NamedTuple, cast
from zoneinfo import ZoneInfo

from scheduling.models import WEEKDAYS, DoctorIn, Interval, Slot

MINUTES_PER_DAY = 24 * 60
ONE_MINUTE = timedelta(minutes=1)


class PublishedSlot(NamedTuple):
    """`start` and `end` are instants in UTC (aware datetimes sharing one ZoneInfo compare by wall clock,
    ignoring fold); `start_offset` and `end_offset` are the doctor's UTC offsets at them, so the doctor's clock
    reads `start + start_offset` without another time-zone lookup.

    A named tuple rather than a frozen dataclass: as immutable, and made in a quarter of the time, which counts
    when a month of 5-minute slots makes 8,928 of them."""

    start: datetime
    end: datetime
    locations: tuple[str, ...]
    start_offset: timedelta
    end_offset: timedelta


def on_the_doctors_clock(slot: PublishedSlot) -> Slot:
    """The slot as an answer model: times with the doctor's offset, as every answer writes them."""
    return Slot(
        start=slot.start.astimezone(timezone(slot.start_offset)),
        end=slot.end.astimezone(timezone(slot.end_offset)),
        locations=list(slot.locations),
    )


def opening_hours_on(doctor: DoctorIn, day: date) -> list[Interval]:
    override = doctor.overrides.get(day)
    if override is not None:
        return override
    return doctor.schedule.get(WEEKDAYS[day.weekday()], [])


def published_slots(doctor: DoctorIn, window_start: datetime, window_end: datetime) -> Iterator[PublishedSlot]:
    """Slots whose start lies in `[window_start, window_end)`, ascending."""
    grid = _Grid(doctor)
    # A slot belongs to the local date its start reads on the clock, so only the window's own dates matter.
    day = window_start.astimezone(grid.zone).date()
    last_day = window_end.astimezone(grid.zone).date()
    first, last = window_start.astimezone(UTC), window_end.astimezone(UTC)
    days = (day + timedelta(days=count) for count in range((last_day - day).days + 1))
    return chain.from_iterable(grid.slots_on(each, first, last) for each in days)


def published_slot_at(doctor: DoctorIn, start: datetime) -> PublishedSlot | None:
    """The published slot that starts at `start` (any offset), or None if no published slot starts then."""
    instant = start.astimezone(UTC)
    grid = _Grid(doctor)
    day = instant.astimezone(grid.zone).date()
    return next(grid.slots_on(day, instant, instant + timedelta.resolution), None)


def is_published(doctor: DoctorIn, start: datetime) -> bool:
    """Whether `start` (any offset) is the start of one of the doctor's published slots."""
    return published_slot_at(doctor, start) is not None


@dataclass(frozen=True, slots=True)
class _Session:
    """One interval of a local date's opening hours, its clock times read into minutes once."""

    start_minute: int
    end_minute: int
    locations: tuple[str, ...]


class _Grid:
    """A doctor's slot grid, with each date's sessions sorted and read once per weekday or override."""

    def __init__(self, doctor: DoctorIn) -> None:
        self.doctor = doctor
        self.zone = doctor.zone
        self.slot_minutes = doctor.slot_minutes
        self.step_minutes = doctor.slot_minutes + doctor.rules.buffer_minutes
        self.length = timedelta(minutes=self.slot_minutes)
        self.step = timedelta(minutes=self.step_minutes)
        self.buffer = timedelta(minutes=doctor.rules.buffer_minutes)
        self._everywhere = tuple(doctor.locations)
        self._sessions: dict[date | int, list[_Session]] = {}  # by override date, or by weekday number

    def sessions_on(self, day: date) -> list[_Session]:
        key: date | int = day if day in self.doctor.overrides else day.weekday()
        sessions = self._sessions.get(key)
        if sessions is None:
            ordered = sorted(opening_hours_on(self.doctor, day), key=lambda hours: hours.start_minute)
            sessions = [
                _Session(hours.start_minute, hours.end_minute, hours.locations or self._everywhere) for hours in ordered
            ]
            self._sessions[key] = sessions
        return sessions

    def slots_on(self, day: date, first: datetime, last: datetime) -> Iterator[PublishedSlot]:
        """The date's slots whose start lies in `[first, last)` (UTC), ascending within each session."""
        sessions = self.sessions_on(day)
        if not sessions:
            return iter(())
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)  # the date's clock readings, labelled UTC
        whole_day = _steady_offset(self.zone, midnight, 0, MINUTES_PER_DAY)
        return chain.from_iterable(self._session(midnight, session, whole_day, first, last) for session in sessions)

    def _session(
        self, midnight: datetime, session: _Session, whole_day: timedelta | None, first: datetime, last: datetime
    ) -> Iterator[PublishedSlot]:
        offset = whole_day
        if offset is None:  # the clock changes on this date, perhaps outside this session's hours
            offset = _steady_offset(self.zone, midnight, session.start_minute, session.end_minute)
        if offset is None:
            return (slot for slot in self._walked(midnight, session) if first <= slot.start < last)
        return self._counted(midnight - offset, session, offset, first, last)

    def _counted(
        self, midnight: datetime, session: _Session, offset: timedelta, first: datetime, last: datetime
    ) -> Iterator[PublishedSlot]:
        """Hours with one offset throughout: every grid start exists once, every slot ends on the clock
        `slot_minutes` later and the next one begins a buffer after it, so all of them are published.
        `midnight` is the local midnight as an instant."""
        length, step = self.length, self.step
        base = midnight + timedelta(minutes=session.start_minute)
        count = max(0, (session.end_minute - session.start_minute - self.slot_minutes) // self.step_minutes + 1)
        # The grid positions k with first <= base + k * step < last, by ceiling division.
        low = max(0, -((base - first) // step))
        high = min(count, -((base - last) // step))
        start = base + low * step
        locations = session.locations
        make = tuple.__new__  # PublishedSlot(...) without the named tuple's keyword handling: a third faster
        for _ in range(low, high):
            end = start + length
            yield make(PublishedSlot, (start, end, locations, offset, offset))
            start += step

    def _walked(self, midnight: datetime, session: _Session) -> Iterator[PublishedSlot]:
        """Hours with a clock change in or next to them: each grid start read through the zone, as the rules say.
        `midnight` is the date's first clock reading, labelled UTC."""
        zone, length, buffer, locations = self.zone, self.length, self.buffer, session.locations
        offset_of = _offsets(zone)
        free_from: datetime | None = None  # the previous slot's end plus the buffer
        for minute in range(session.start_minute, session.end_minute - self.slot_minutes + 1, self.step_minutes):
            wall = midnight + minute * ONE_MINUTE
            start = wall - offset_of(wall)  # the wall time read at fold=0
            start_offset = offset_of(start.astimezone(zone))
            if start + start_offset != wall:
                continue  # in a spring-forward gap
            end = start + length
            end_offset = offset_of(end.astimezone(zone))
            if (end + end_offset - midnight) // ONE_MINUTE > session.end_minute:
                continue  # ends after closing on the local clock
            if free_from is not None and start < free_from:
                continue  # overlaps the slot that spans the change
            free_from = end + buffer
            yield PublishedSlot(start, end, locations, start_offset, end_offset)


def _offsets(zone: ZoneInfo) -> Callable[[datetime], timedelta]:
    """The zone's UTC offset for a clock reading: its fields and fold (its tzinfo is not consulted), so a reading
    labelled UTC is read as a wall time, and `instant.astimezone(zone)` as that instant. A ZoneInfo always has an
    offset; the tzinfo signature allows None."""
    return cast(Callable[[datetime], timedelta], zone.utcoffset)


def _steady_offset(zone: ZoneInfo, midnight: datetime, first_minute: int, last_minute: int) -> timedelta | None:
    """The one UTC offset of the date's clock readings from `first_minute` to `last_minute` (at most a day), or
    None when the clock changes among them or at their edges. `midnight` is the date's first reading, labelled UTC.

    The offset is the first reading's (at fold=0); steady means the instants at which the first and the last
    reading occur under it have it too. With at most one change in any three days, no change can fall between
    those instants; and a change that moves the fold=0 reading of a later wall time but not those instants
    would have had to happen just before the first instant, where the first probe sees it."""
    offset_of = _offsets(zone)
    opens, closes = midnight + first_minute * ONE_MINUTE, midnight + last_minute * ONE_MINUTE
    offset = offset_of(opens)
    if (
        offset_of((opens - offset).astimezone(zone)) != offset
        or offset_of((closes - offset).astimezone(zone)) != offset
    ):
        return None
    return offset
