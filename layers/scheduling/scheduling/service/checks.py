"""Checks every booking path shares: bookable slot, daily cap, patient's time, cancellation cut-off."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

from scheduling.domain.booked import LONGEST_BOOKING, BookedInterval
from scheduling.domain.daily_cap import day_bounds, local_day, taken_per_day, within
from scheduling.domain.ids import new_appointment_id
from scheduling.domain.notice import bookable_times
from scheduling.domain.settled import settled
from scheduling.domain.slots import published_slot_at
from scheduling.errors import DayFull, DoctorNotFound, FieldProblem, InvalidInput, PatientBusy, TooLateToChange
from scheduling.models import Appointment, Doctor, Hold, Patient
from scheduling.service.looks import Looks
from scheduling.store import DayLock, PatientLock, SchedulingStore
from scheduling.store.fan_out import fan_out


def lock_the_day(
    store: SchedulingStore,
    doctor: Doctor,
    start: datetime,
    now: datetime,
    leaving: str | None = None,
    adding: int = 1,
    looked: Looks | None = None,
) -> DayLock | None:
    """With a daily cap: refuse a full day, else the day's lock as counted, for the write to check.

    `looked`: the first round's look, if it reached the doctor's whole local day (service/looks.py; a first
    attempt): the day is counted from it and the lock is not read; the write checks at commit that the lock is
    settled at `now` (domain/settled.py), so every booking of that day the lock has seen had committed before our
    look, and one that commits after it fails ours. No round of its own. Otherwise (a retry, the lock having moved
    in the last seconds, or a look too narrow) the lock's version and the count are read together; the count
    counts for that version once it is settled, else it is made again after the read, so any booking of that day
    that commits after the version was written and before our count fails ours: one round more (two if not
    settled). `adding`: how many appointments the write puts on that day (a series may put several)."""
    cap = doctor.rules.max_per_day
    if cap is None:
        return None
    zone = doctor.zone
    day = local_day(start, zone)
    first, last = day_bounds(day, zone)
    if looked is not None and looked.reach is not None and within(day, zone, *looked.reach):
        refuse_a_full_day(doctor, day, looked.booked, adding, leaving)
        return DayLock(day, None)
    count = partial(store.booked_intervals, doctor.id, first, last, LONGEST_BOOKING, now)
    reads: list[Callable[[], Any]] = [partial(store.day_lock, doctor.id, day), count]
    lock: DayLock
    booked: list[BookedInterval]
    lock, booked = fan_out(reads)
    if not settled(lock.version == 0, lock.written_at, now):
        booked = count()
    refuse_a_full_day(doctor, day, booked, adding, leaving)
    return lock


def refuse_a_full_day(
    doctor: Doctor, day: date, booked: list[BookedInterval], adding: int = 1, leaving: str | None = None
) -> None:
    """`DayFull` if `adding` more appointments would take the doctor's local `day` past its cap (`booked`: what
    was counted on that day, `leaving`: an appointment being moved away)."""
    cap = doctor.rules.max_per_day
    if cap is not None and taken_per_day(booked, doctor.zone, leaving)[day] + adding > cap:
        raise DayFull(f"Doctor '{doctor.id}' takes at most {cap} appointments on {day.isoformat()}; that day is full.")


def lock_the_patient(
    store: SchedulingStore, booking: Appointment | Hold, now: datetime, moving: str | None = None
) -> PatientLock | None:
    """With a patient id: refuse a time the patient already has (with any doctor, booked or held), else the
    patient's lock as read, for the write to check. The lock is read before the look, so a booking or hold of the
    patient that commits after it was read fails ours. `moving`: an appointment or hold this one replaces."""
    if booking.patient_id is None:
        return None
    return patient_lock_for(store, booking.patient_id, [(booking.start, booking.end)], now, moving)


def patient_lock_for(
    store: SchedulingStore,
    patient_id: str,
    times: list[tuple[datetime, datetime]],
    now: datetime,
    moving: str | None = None,
) -> PatientLock:
    """The patient's lock as read before looking at every one of `times` (a series checks several at once)."""
    version = store.patient_version(patient_id)
    looks = [partial(store.patient_busy, patient_id, start, end, LONGEST_BOOKING, now, moving) for start, end in times]
    for busy in fan_out(looks):  # one look per time, issued together (a single booking's one runs inline)
        if busy is not None:
            raise PatientBusy(*busy)
    return PatientLock(patient_id, version)


def check_cutoff(store: SchedulingStore, appointment: Appointment, now: datetime, doctor: Doctor | None = None) -> None:
    """Cancelling or moving is possible until `cancel_cutoff_minutes` before the start (0: no cut-off)."""
    if doctor is None:
        try:
            doctor = store.get_doctor(appointment.doctor_id).doctor
        except DoctorNotFound:
            return  # a deleted doctor's (past) appointments keep no policy
    cutoff = doctor.rules.cancel_cutoff_minutes
    if cutoff and now > appointment.start - timedelta(minutes=cutoff):
        raise TooLateToChange(
            f"Appointment '{appointment.id}' can be cancelled or moved until {cutoff} minutes before its start."
        )


def check_bookable(doctor: Doctor, start: datetime, location: str, now: datetime) -> None:
    problems = []
    if location not in doctor.locations:
        problems.append(FieldProblem("location", "is not one of the doctor's locations"))
    if (too_soon_or_late := bookable_times(doctor.rules, now).problem(start)) is not None:
        problems.append(FieldProblem("start", too_soon_or_late))
    elif (slot := published_slot_at(doctor, start)) is None:
        problems.append(FieldProblem("start", "is not the start of a published slot of this doctor"))
    elif location in doctor.locations and location not in slot.locations:
        offered = ", ".join(f"'{place}'" for place in slot.locations)
        problems.append(FieldProblem("location", f"is not offered at this slot; it is held at {offered}"))
    if problems:
        raise InvalidInput(problems, "This appointment cannot be booked.")


def new_appointment(
    doctor: Doctor,
    start: datetime,
    location: str,
    patient: Patient | None,
    now: datetime,
    appointment_id: str | None = None,
) -> Appointment:
    start_utc = start.astimezone(UTC)
    return Appointment(
        id=appointment_id or new_appointment_id(start_utc),
        doctor_id=doctor.id,
        location=location,
        start=start_utc,
        end=start_utc + timedelta(minutes=doctor.slot_minutes),
        status="booked",
        timezone=doctor.timezone,
        patient=patient,
        created_at=now,
    )
