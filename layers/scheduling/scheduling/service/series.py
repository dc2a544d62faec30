"""A course of appointments: book all or none, read, and cancel the future ones.

The rules are a single booking's (`checks`): each start must be bookable (422 otherwise, as for one booking),
the daily cap counts the series' own appointments of a day, the patient must be free at every start; then the
store writes everything in one transaction (`SeriesItems.book_series`). A start that is booked or held is 409
`series-slots-taken`, naming every such start, with nothing stored.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from scheduling.domain.booked import LONGEST_BOOKING
from scheduling.domain.daily_cap import local_day
from scheduling.domain.ids import is_doctor_id
from scheduling.domain.series import check_series_starts, is_series_id, new_series_id, repeated_starts
from scheduling.errors import ConcurrentUpdate, FieldProblem, InvalidInput, SeriesNotFound, StaleRecord, TooLateToChange
from scheduling.models import Actor, Appointment, Doctor, HistoryEntry, Series, SeriesRequest
from scheduling.service import clock
from scheduling.service.appointments import cancel
from scheduling.service.checks import check_bookable, lock_the_day, new_appointment, patient_lock_for
from scheduling.service.doctors import doctor_record
from scheduling.service.queries import get_appointment
from scheduling.service.retries import BOOKING_ATTEMPTS, attempts
from scheduling.store import DayLock, SchedulingStore

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
        day_locks = _lock_the_days(store, doctor, appointments, now)
        patient_id = request.patient.id if request.patient else None
        patient_lock = (
            None
            if patient_id is None
            else patient_lock_for(store, patient_id, [(a.start, a.end) for a in appointments], now)
        )
        try:
            booked = store.book_series(series_id, appointments, current.fence, LONGEST_BOOKING, day_locks, patient_lock)
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


def _lock_the_days(
    store: SchedulingStore, doctor: Doctor, appointments: list[Appointment], now: datetime
) -> list[DayLock]:
    """One day lock per local day the series books on, counting the series' own appointments of that day."""
    per_day = Counter(local_day(a.start, doctor.zone) for a in appointments)
    firsts = {local_day(a.start, doctor.zone): a.start for a in reversed(appointments)}
    locks = [lock_the_day(store, doctor, firsts[day], now, adding=count) for day, count in per_day.items()]
    return [lock for lock in locks if lock is not None]
