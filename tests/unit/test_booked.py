"""Which published slots a doctor's booked appointments rule out: every slot that overlaps one, whatever grid
it was booked on (not only the slot with the same start)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from scheduling.domain.booked import LONGEST_BOOKING, BookedInterval, free_of
from scheduling.domain.slots import PublishedSlot
from scheduling.models import DoctorIn

NINE = datetime(2035, 6, 4, 9, tzinfo=UTC)


def grid(first: datetime, minutes: int, count: int) -> list[PublishedSlot]:
    length, utc = timedelta(minutes=minutes), timedelta(0)
    return [
        PublishedSlot(first + index * length, first + (index + 1) * length, ("1 Road",), utc, utc)
        for index in range(count)
    ]


def booked(start: datetime, minutes: int, appointment_id: str = "a") -> BookedInterval:
    return BookedInterval(start, start + timedelta(minutes=minutes), appointment_id)


def test_a_booking_on_an_older_grid_rules_out_every_slot_it_overlaps_and_no_other() -> None:
    slots = grid(NINE - timedelta(hours=1), 30, 6)  # 08:00 ... 10:30, 30 minutes each
    hour_at_nine = booked(NINE, 60)

    free = [slot.start.strftime("%H:%M") for slot in free_of(slots, [hour_at_nine])]

    assert free == ["08:00", "08:30", "10:00", "10:30"]


def test_adjacent_bookings_touch_without_overlapping() -> None:
    slots = grid(NINE, 15, 4)

    free = [slot.start.strftime("%H:%M") for slot in free_of(slots, [booked(NINE - timedelta(minutes=15), 15)])]

    assert free == ["09:00", "09:15", "09:30", "09:45"]


def test_the_longest_booking_reaches_as_far_as_it_lasts() -> None:
    slots = grid(NINE, 5, 60)
    longest = booked(NINE - LONGEST_BOOKING + timedelta(minutes=5), int(LONGEST_BOOKING.total_seconds() // 60))

    free = list(free_of(slots, [longest]))

    assert free == slots[1:]


def test_the_longest_booking_matches_the_longest_slot_a_doctor_may_publish() -> None:
    bound = DoctorIn.model_json_schema()["properties"]["slot_minutes"]["maximum"]

    assert timedelta(minutes=bound) == LONGEST_BOOKING


@given(
    slot_minutes=st.integers(5, 240),
    offset=st.integers(0, 239),
    bookings=st.lists(st.tuples(st.integers(-300, 600), st.integers(5, 240)), max_size=12),
)
def test_free_slots_are_exactly_those_that_overlap_no_booking(
    slot_minutes: int, offset: int, bookings: list[tuple[int, int]]
) -> None:
    slots = grid(NINE + timedelta(minutes=offset), slot_minutes, 600 // slot_minutes)
    intervals = [booked(NINE + timedelta(minutes=start), length, str(n)) for n, (start, length) in enumerate(bookings)]

    free = list(free_of(slots, intervals))

    assert free == [
        slot for slot in slots if not any(item.start < slot.end and slot.start < item.end for item in intervals)
    ]
