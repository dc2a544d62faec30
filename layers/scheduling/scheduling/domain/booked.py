"""Booked time: what a doctor already has, and which published slots it rules out."""

from __future__ import annotations

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
    `booked` may come in any order.

    One pass: the booked intervals are merged into disjoint taken blocks, and a cursor moves along them as the
    slots advance, so a slot costs a comparison or two rather than a search."""
    taken = _taken_blocks(booked)
    return _outside(slots, taken) if taken else iter(slots)


def _outside(slots: Iterable[PublishedSlot], taken: list[tuple[datetime, datetime]]) -> Iterator[PublishedSlot]:
    remaining = iter(slots)
    index, count = 0, len(taken)
    for slot in remaining:
        while taken[index][1] <= slot.start:  # this block ends before this slot, and so before every later one
            index += 1
            if index == count:
                yield slot
                yield from remaining
                return
        if taken[index][0] >= slot.end:
            yield slot


def _taken_blocks(booked: list[BookedInterval]) -> list[tuple[datetime, datetime]]:
    """The union of the booked intervals as disjoint `[start, end)` blocks, ascending (touching ones joined)."""
    blocks: list[tuple[datetime, datetime]] = []
    for interval in sorted(booked, key=lambda interval: interval.start):
        if blocks and interval.start <= blocks[-1][1]:
            if interval.end > blocks[-1][1]:
                blocks[-1] = (blocks[-1][0], interval.end)
        else:
            blocks.append((interval.start, interval.end))
    return blocks
