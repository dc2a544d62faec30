"""Booked time: what a doctor already has, and which published slots it rules out."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from scheduling.domain.slots import PublishedSlot

# The longest a booking can be: `slot_minutes` is at most 240. A booking made under older hours keeps its own
# length, so anything that could overlap an instant starts at most this long before it.
LONGEST_BOOKING = timedelta(minutes=240)


@dataclass(frozen=True, slots=True)
class BookedInterval:
    """Time a doctor has taken, in UTC, `[start, end)`: an appointment, or an unexpired hold (`held_until`)."""

    start: datetime
    end: datetime
    appointment_id: str  # or the hold's id
    held_until: datetime | None = None


def free_of(slots: Iterable[PublishedSlot], booked: list[BookedInterval]) -> Iterator[PublishedSlot]:
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
