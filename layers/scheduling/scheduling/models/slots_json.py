"""The free-slot answer (`SlotsPage`) written as JSON text directly, without a `Slot` model per slot.

A month of 5-minute slots is 8,928 items; constructing and validating a `Slot` for each, then pydantic's and
`json.dumps`'s passes over the page, cost more than the rest of the request (docs/performance.md). The text is
byte for byte what powertools writes for `SlotsPage(items=[Slot(start=..., end=..., locations=...), ...])`:
pydantic's JSON mode (RFC 3339, `Z` for a zero offset) through `json.dumps(..., separators=(",", ":"))`. The
parts that could differ (dates, offsets, readings with seconds) are taken from pydantic itself, once each, and
tests compare the two on clock-change days and odd offsets. `SlotsPage` stays the documented schema.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Protocol

from scheduling.models.time import rfc3339

# "THH:MM:00" for every whole minute of a day: most of an instant's text.
_CLOCK = tuple(f"T{minute // 60:02d}:{minute % 60:02d}:00" for minute in range(24 * 60))


class LocalSlot(Protocol):
    """A slot as the domain publishes it: instants in UTC, and the doctor's UTC offset at each."""

    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime: ...
    @property
    def locations(self) -> Sequence[str]: ...
    @property
    def start_offset(self) -> timedelta: ...
    @property
    def end_offset(self) -> timedelta: ...


def slots_page_json(slots: Iterable[LocalSlot]) -> str:
    """`{"items": [{"start", "end", "locations"}, ...]}` with each time at the doctor's offset of that instant."""
    clock = _Clock()
    items = []
    end, end_offset, end_text = None, None, ""  # the previous slot's end: the next one's start when no buffer
    places, places_text = None, ""  # slots of one session share one tuple
    for slot in slots:
        if slot.start == end and slot.start_offset == end_offset:
            start_text = end_text
        else:
            start_text = clock.reads(slot.start, slot.start_offset)
        end, end_offset = slot.end, slot.end_offset
        reading = end + end_offset  # `clock.reads(end, end_offset)`, its common case inline
        if reading.second or reading.microsecond or reading.toordinal() != clock.day or end_offset != clock.offset:
            end_text = clock.reads(end, end_offset)
        else:
            end_text = clock.date_text + _CLOCK[reading.hour * 60 + reading.minute] + clock.offset_text
        if slot.locations is not places:
            places = slot.locations
            places_text = clock.locations(places)
        items.append(f'{{"start":"{start_text}","end":"{end_text}","locations":{places_text}}}')
    return '{"items":[' + ",".join(items) + "]}"


class _Clock:
    """Instants as text at a given offset, from pieces pydantic wrote: the date and the offset of the last
    reading (`day`: its proleptic ordinal)."""

    def __init__(self) -> None:
        self.day = 0
        self.offset: timedelta | None = None
        self.date_text = self.offset_text = ""
        self._locations: dict[tuple[str, ...], str] = {}

    def reads(self, instant: datetime, offset: timedelta) -> str:
        """RFC 3339 at `offset`, as pydantic writes it."""
        reading = instant + offset
        if reading.second or reading.microsecond:  # not a whole minute (an offset with seconds): rare
            return rfc3339(instant.astimezone(timezone(offset)))
        if reading.toordinal() != self.day or offset != self.offset:
            text = rfc3339(instant.astimezone(timezone(offset)))
            self.day, self.offset, self.date_text, self.offset_text = reading.toordinal(), offset, text[:10], text[19:]
        return self.date_text + _CLOCK[reading.hour * 60 + reading.minute] + self.offset_text

    def locations(self, places: Sequence[str]) -> str:
        key = tuple(places)
        text = self._locations.get(key)
        if text is None:
            text = self._locations[key] = json.dumps(list(key), separators=(",", ":"))
        return text
