"""A course of appointments: book all or none, read, and cancel the future ones.

The rules are a single booking's (`checks`): each start must be bookable (422 otherwise, as for one booking),
the daily cap counts the series' own appointments of a day, the patient must be free at every start; then the
store writes everything in one transaction (`SeriesItems.book_series`). A start that is booked or held is 409
`series-slots-taken`, naming every such start, with nothing stored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial
from typing import Any

from scheduling.domain.booked import LONGEST_BOOKING, BookedInterval
from scheduling.domain.daily_cap import day_bounds, local_day
from scheduling.domain.ids import is_doctor_id
from scheduling.domain.series import check_series_starts, is_series_id, new_series_id, repeated_starts
from scheduling.domain.settled import settled
from scheduling.errors import (
    ConcurrentUpdate,
    FieldProblem,
    InvalidInput,
    PatientBusy,
    SeriesNotFound,
    StaleRecord,
    TooLateToChange,
)
from scheduling.models import Actor, Appointment, Doctor, HistoryEntry, Series, SeriesRequest
from scheduling.service import clock
from scheduling.service.appointments import cancel
from scheduling.service.checks import check_bookable, new_appointment, refuse_a_full_day
from scheduling.service.doctors import doctor_record
from scheduling.service.queries import get_appointment
from scheduling.service.retries import BOOKING_ATTEMPTS, attempts
from scheduling.store import DayLock, PatientLock, SchedulingStore
from scheduling.store.fan_out import fan_out

_MOVES_FOLLOWED = 50  # a rescheduled member is followed to where it moved, this many moves at most


def book_series(store: SchedulingStore, doctor_id: str, request: SeriesRequest, *, actor: Actor) -> Series:
    series_id = new_series_id()
    for _ in attempts(BOOKING_ATTEMPTS):
        current = doctor_record(store, doctor_id)
        doctor = current.doctor
        now = clock.now()
        starts = check_series_starts(_asked_starts(request, doctor), doctor.slot_minutes)
        _check_all_bookable(doctor, request, starts, now)
        appointments = [
            new_appointment(doctor, start, request.location, request.patient, now).model_copy(
                update={"series_id": series_id, "history": [HistoryEntry.of("booked", now, actor)]}
            )
            for start in starts
        ]
        patient_id = request.patient.id if request.patient else None
        day_locks, patient_lock, looked = _look_at_everything(store, doctor, appointments, patient_id, now)
        try:
            booked = store.book_series(
                series_id, appointments, current.fence, LONGEST_BOOKING, day_locks, patient_lock, looked=looked
            )
        except StaleRecord:
            continue
        return Series(series_id=series_id, appointments=[a.in_own_timezone() for a in booked])
    raise ConcurrentUpdate(f"Doctor '{doctor_id}' kept changing while booking a series; retry.")


def get_series(store: SchedulingStore, doctor_id: str, series_id: str) -> Series:
    """The series' appointments as they are now (a rescheduled one where it moved), in time order."""
    if not is_doctor_id(doctor_id) or not is_series_id(series_id):
        raise SeriesNotFound(doctor_id, series_id)
    members = [
        _now_where(store, doctor_id, appointment_id) for appointment_id, _ in store.series_members(doctor_id, series_id)
    ]
    return Series(series_id=series_id, appointments=sorted(members, key=lambda a: a.start))


def cancel_series(
    store: SchedulingStore, doctor_id: str, series_id: str, reason: str | None, *, actor: Actor
) -> Series:
    """Cancel every future booked appointment of the series, each as a single cancel would (repeat-safe). One
    already started, checked in or past its doctor's cancellation cut-off is left as it is, and answered so."""
    answered = []
    for member in get_series(store, doctor_id, series_id).appointments:
        answered.append(_cancelled_if_future(store, member, reason, actor))
    return Series(series_id=series_id, appointments=answered)


def _cancelled_if_future(store: SchedulingStore, member: Appointment, reason: str | None, actor: Actor) -> Appointment:
    if member.status != "booked" or member.start <= clock.now():
        return member
    try:
        return cancel(store, member.doctor_id, member.id, reason, actor=actor)
    except TooLateToChange:
        return member  # inside the cut-off: it stays booked, as a single cancel would have left it


def _now_where(store: SchedulingStore, doctor_id: str, appointment_id: str) -> Appointment:
    appointment = get_appointment(store, doctor_id, appointment_id)
    for _ in range(_MOVES_FOLLOWED):
        if appointment.replaced_by is None:
            break
        appointment = get_appointment(store, doctor_id, appointment.replaced_by)
    return appointment


def _asked_starts(request: SeriesRequest, doctor: Doctor) -> list[datetime]:
    repeat = (request.first, request.every_days, request.count)
    if request.starts is not None and all(part is None for part in repeat):
        return list(request.starts)
    if request.starts is None and request.first is not None and request.every_days and request.count:
        return repeated_starts(request.first, request.every_days, request.count, doctor.zone)
    raise InvalidInput(
        [FieldProblem("starts", "give either starts, or first, every_days and count (all three)")],
        "The series' starts are not given.",
    )


def _check_all_bookable(doctor: Doctor, request: SeriesRequest, starts: list[datetime], now: datetime) -> None:
    problems: list[FieldProblem] = []
    for index, start in enumerate(starts):
        try:
            check_bookable(doctor, start, request.location, now)
        except InvalidInput as refused:
            for problem in refused.problems:
                path = f"starts[{index}]" if problem.path == "start" else problem.path
                if FieldProblem(path, problem.message) not in problems:
                    problems.append(FieldProblem(path, problem.message))
    if problems:
        raise InvalidInput(problems, "This series cannot be booked.")


def _look_at_everything(
    store: SchedulingStore, doctor: Doctor, appointments: list[Appointment], patient_id: str | None, now: datetime
) -> tuple[list[DayLock], PatientLock | None, list[list[BookedInterval]]]:
    """One round after the doctor's read (issue #23): with a daily cap, the lock and the count of every local day
    the series books on; with a patient, the patient's lock and time at every start; and the doctor's booked time
    at every start. A count or a patient look issued together with a version that is not settled is made again
    in one more round (domain/settled.py). Refused in a single booking's order: a full day (the series' own
    appointments of a day count), then a busy patient; a taken start is the store's to name."""
    zone = doctor.zone
    per_day = Counter(local_day(a.start, zone) for a in appointments) if doctor.rules.max_per_day else Counter()
    days = list(per_day)
    counts: list[Callable[[], Any]] = [
        partial(store.booked_intervals, doctor.id, *day_bounds(day, zone), LONGEST_BOOKING, now) for day in days
    ]
    locks: list[Callable[[], Any]] = [partial(store.day_lock, doctor.id, day) for day in days]
    patient: list[Callable[[], Any]] = [partial(store.patient_lock, patient_id)] if patient_id else []
    patient_looks: list[Callable[[], Any]] = [
        partial(store.patient_times, patient_id, a.start, a.end, LONGEST_BOOKING, now, None)
        for a in appointments
        if patient_id
    ]
    overlaps: list[Callable[[], Any]] = [
        partial(store.booked_intervals, doctor.id, a.start, a.end, LONGEST_BOOKING, now) for a in appointments
    ]
    answers: Iterator[Any] = iter(fan_out([*locks, *counts, *patient, *patient_looks, *overlaps]))
    day_locks: list[DayLock] = [next(answers) for _ in locks]
    counted: list[list[BookedInterval]] = [next(answers) for _ in counts]
    patient_lock: PatientLock | None = next(answers) if patient else None
    patient_times: list[list[tuple[datetime, datetime]]] = [next(answers) for _ in patient_looks]
    looked: list[list[BookedInterval]] = [next(answers) for _ in overlaps]
    # versions read together with their looks: the looks again after the read unless settled
    recount = [i for i, lock in enumerate(day_locks) if not settled(lock.version == 0, lock.written_at, now)]
    relook = patient_lock is not None and not settled(patient_lock.version == 0, patient_lock.written_at, now)
    again: Iterator[Any] = iter(fan_out([*(counts[i] for i in recount), *(patient_looks if relook else [])]))
    for i in recount:
        counted[i] = next(again)
    if relook:
        patient_times = [next(again) for _ in patient_looks]
    for day, booked in zip(days, counted, strict=True):
        refuse_a_full_day(doctor, day, booked, adding=per_day[day])
    for times in patient_times:
        if times:
            raise PatientBusy(*times[0])
    return day_locks, patient_lock, looked
