"""Availability: a doctor's free published slots."""

from __future__ import annotations

from scheduling.domain.booked import LONGEST_BOOKING, free_of
from scheduling.domain.daily_cap import day_bounds, full_days, local_day
from scheduling.domain.notice import bookable_times
from scheduling.domain.slots import published_slots
from scheduling.domain.windows import slot_window
from scheduling.models import Slot
from scheduling.service import clock
from scheduling.service.doctors import get_doctor
from scheduling.store import SchedulingStore


def free_slots(store: SchedulingStore, doctor_id: str, from_text: str | None, to_text: str | None) -> list[Slot]:
    doctor = get_doctor(store, doctor_id)
    zone = doctor.zone
    now = clock.now()
    window = slot_window(from_text, to_text, zone, now)
    # Only starts the doctor's notice and horizon allow now (never the past) are offered.
    start, end = bookable_times(doctor.rules, now).clip(window.start, window.end)
    if start >= end:
        return []
    # A slot that starts inside the window may end after it, so bookings up to the longest slot past it count;
    # with a daily cap, every booking of the window's local days counts.
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
