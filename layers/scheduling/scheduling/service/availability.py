"""Availability: free published slots of one doctor, and across the doctors a location or specialty finds.

Both searches decide what is free with the same rules (`scheduling.domain.free_slots`); the search across
doctors only chooses which doctors and which stretch of time to read, so it stops once `limit` slots are
certain instead of reading every doctor's whole window.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from typing import NamedTuple

from scheduling.domain.booked import LONGEST_BOOKING, BookedInterval
from scheduling.domain.free_slots import bookable_window, bookings_to_read, free_among
from scheduling.domain.slots import PublishedSlot, published_slots
from scheduling.domain.tags import location_tag, matching_locations, practises, specialty_tag
from scheduling.domain.windows import MAX_SLOT_WINDOW, slot_window, window
from scheduling.errors import FieldProblem, InvalidInput
from scheduling.models import Doctor, DoctorSlot, TimeBound, rfc3339
from scheduling.service import clock
from scheduling.service.doctors import get_doctor
from scheduling.service.slot_cursor import SlotCursor, decode_cursor, encode_cursor
from scheduling.store import Page, SchedulingStore

# The first round of a search across doctors judges as many candidate slots as the page needs (one more than
# asked): with nothing booked that is the answer, and it Queries the bookings of at most that many doctors however
# many the site has. A further round, needed only when bookings ruled candidates out, judges enough to fill the
# page at the share found free so far, twice over; when none was free (a whole clinic booked at the same hour),
# four times as many as the last round.
NEXT_ROUND_MARGIN = 2
NONE_FREE_GROWTH = 4
# A doctor's bookings are read a day past its first candidate of the round (a busy day's booked times, as the
# bookings Query projects them, are far under the 4 KB of one read unit), so a later round judges that doctor's
# next candidates without Querying it again.
READ_AHEAD = timedelta(days=1)


def free_slots(
    store: SchedulingStore, doctor_id: str, start: TimeBound | None, end: TimeBound | None
) -> list[PublishedSlot]:
    """The doctor's free slots in the window (UTC instants, each with the doctor's offset at its start and end);
    a day as a bound is the doctor's local day."""
    doctor = get_doctor(store, doctor_id)
    now = clock.now()
    asked = slot_window(start, end, doctor.zone, now)
    bookable = bookable_window(doctor, asked.start, asked.end, now)
    if bookable is None:
        return []
    first, last = bookings_to_read(doctor, *bookable)
    booked = store.booked_intervals(doctor_id, first, last, LONGEST_BOOKING, now)
    return list(free_among(doctor, published_slots(doctor, *bookable), booked))


@dataclass(frozen=True)
class SlotSearch:
    """A search across doctors; at least one of `location` and `specialty`."""

    location: str | None
    specialty: str | None
    start: datetime | None  # default: now
    end: datetime | None  # default: start + 7 days
    limit: int
    next_token: str | None

    @property
    def key(self) -> str:
        """What a `next_token` is bound to: the query as the search reads it (tags, not spellings), in the text
        tokens were bound to before tags became typed (so tokens already issued stay valid)."""
        tags = [
            f"LOCATION#{location_tag(self.location).value}" if self.location else "",
            f"SPECIALTY#{specialty_tag(self.specialty).value}" if self.specialty else "",
        ]
        bounds = [rfc3339(value) if value else "" for value in (self.start, self.end)]
        return "\n".join([*tags, *bounds])


class _Candidate(NamedTuple):
    """A published slot that may be free; candidates order by (start, doctor id), which is unique."""

    start: datetime
    doctor_id: str
    slot: PublishedSlot


def search_slots(store: SchedulingStore, search: SlotSearch) -> Page[DoctorSlot]:
    """Free slots of every doctor the search finds, ascending by start then doctor id."""
    now = clock.now()
    window_start, end, after = _window(search, now)
    start = after[0] if after else window_start  # a later page starts where the last one stopped
    tags = [location_tag(search.location)] if search.location else []
    tags += [specialty_tag(search.specialty)] if search.specialty else []
    # The index is eventually consistent: what it tells is an offer; a booking checks the profile itself.
    doctors = {
        doctor_id: doctor
        for doctor_id, doctor in store.bookable_doctors(tags).items()
        if search.specialty is None or practises(doctor, search.specialty)
    }
    candidates = heapq.merge(*(_candidates(doctor, search.location, start, end, now) for doctor in doctors.values()))
    if after is not None:
        candidates = (candidate for candidate in candidates if candidate[:2] > after)
    found: list[_Candidate] = []
    wanted = search.limit + 1  # one more than asked tells whether there is a next page
    batch = wanted
    known: dict[str, _Read] = {}
    while len(found) < wanted and (chunk := list(islice(candidates, batch))):
        free = _free_of_chunk(store, doctors, chunk, end, now, known)
        found += free
        batch = _next_batch(wanted - len(found), len(chunk), len(free))
    page = found[: search.limit]
    next_token = None
    if len(found) > search.limit:
        cursor = SlotCursor(window_start, end, page[-1].start, page[-1].doctor_id)
        next_token = encode_cursor(cursor, search.key)
    return Page([_answer(doctors[candidate.doctor_id], candidate.slot) for candidate in page], next_token)


def _next_batch(missing: int, judged: int, free: int) -> int:
    """How many candidates the next round judges to find `missing` more, from what the last round found."""
    if free == 0:
        return judged * NONE_FREE_GROWTH
    return -(-missing * judged * NEXT_ROUND_MARGIN // free)  # ceil(missing / (free / judged) * margin)


def _window(search: SlotSearch, now: datetime) -> tuple[datetime, datetime, tuple[datetime, str] | None]:
    if search.location is None and search.specialty is None:
        raise InvalidInput(
            [FieldProblem("location", "or specialty is required (both may be given)")],
            "Say where or what: location, specialty, or both.",
        )
    given = {"location": search.location, "specialty": search.specialty}
    blank = [name for name, text in given.items() if text is not None and not text.strip()]
    if blank:
        raise InvalidInput([FieldProblem(name, "must not be blank") for name in blank])
    if search.next_token is not None:
        cursor = decode_cursor(search.next_token, search.key, MAX_SLOT_WINDOW)
        return cursor.start, cursor.end, (cursor.after_start, cursor.after_doctor)
    asked = window(search.start, search.end, now)
    return asked.start, asked.end, None


def _candidates(
    doctor: Doctor, location: str | None, start: datetime, end: datetime, now: datetime
) -> Iterator[_Candidate]:
    """The doctor's published slots that may be booked now in the window (at the location, if one is asked)."""
    bookable = bookable_window(doctor, start, end, now)
    if bookable is None:
        return
    places = matching_locations(doctor, location) if location is not None else None
    for slot in published_slots(doctor, *bookable):
        if places is None or not places.isdisjoint(slot.locations):
            yield _Candidate(slot.start, doctor.id, slot)


@dataclass(frozen=True)
class _Read:
    """A doctor's bookings as read in this search: every one overlapping `[first, last)`."""

    first: datetime
    last: datetime
    booked: list[BookedInterval]


def _free_of_chunk(
    store: SchedulingStore,
    doctors: dict[str, Doctor],
    chunk: list[_Candidate],
    end: datetime,
    now: datetime,
    known: dict[str, _Read],
) -> list[_Candidate]:
    """The free candidates of an ascending chunk: one round of booking Queries, one per doctor in it whose
    bookings `known` does not already span (it is updated with what this round reads)."""
    per_doctor: dict[str, list[_Candidate]] = defaultdict(list)
    for candidate in chunk:
        per_doctor[candidate.doctor_id].append(candidate)
    ranges = []
    for doctor_id, mine in per_doctor.items():
        doctor, first, last = doctors[doctor_id], mine[0].start, mine[-1].start
        needed = bookings_to_read(doctor, first, last)
        read = known.get(doctor_id)
        if read is None or not (read.first <= needed[0] and needed[1] <= read.last):
            ranges.append((doctor_id, *bookings_to_read(doctor, first, max(last, min(first + READ_AHEAD, end)))))
    if ranges:
        booked = store.booked_intervals_of(ranges, LONGEST_BOOKING, now)
        known |= {doctor_id: _Read(first, last, booked[doctor_id]) for doctor_id, first, last in ranges}
    free = {
        (slot.start, doctor_id)
        for doctor_id, mine in per_doctor.items()
        for slot in free_among(doctors[doctor_id], (candidate.slot for candidate in mine), known[doctor_id].booked)
    }
    return [candidate for candidate in chunk if (candidate.start, candidate.doctor_id) in free]


def _answer(doctor: Doctor, slot: PublishedSlot) -> DoctorSlot:
    zone = doctor.zone
    return DoctorSlot(
        doctor_id=doctor.id,
        doctor_name=doctor.name,
        start=slot.start.astimezone(zone),
        end=slot.end.astimezone(zone),
        locations=list(slot.locations),
    )
