"""The reads a write makes before its transaction, issued together: one round trip instead of one per read.

A booking, hold or reschedule needs the doctor (hours and fence), the doctor's booked time around the slot and,
with a patient id, the patient's lock and the patient's overlapping time. None of these depends on another: the
overlap looks reach `LONGEST_BOOKING` past the start (the slot is at most that long), and are cut to the slot once
the doctor says how long it is. A look issued together with the version it serves (the fence, the patient's lock)
counts for that version only once the version is settled (domain/settled.py); otherwise it is made again after
the read, in a second round (docs/design.md, "No overlap, no orphan, no ghost", point 8).

A doctor with a daily cap also needs its local day's bookings, and the day depends on the doctor's zone, read in
the same round. So the doctor's look reaches `ANY_LOCAL_DAY` around the start (the instant's local day in any zone)
unless this container last read the doctor without a cap: the day is then counted from the same look, and the
transaction checks that the day's lock is settled instead of reading it (service/checks.py, `lock_the_day`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from threading import Lock
from typing import Any

from scheduling.domain.booked import LONGEST_BOOKING, BookedInterval
from scheduling.domain.daily_cap import ANY_LOCAL_DAY
from scheduling.domain.ids import is_doctor_id
from scheduling.domain.settled import settled
from scheduling.errors import DoctorNotFound, PatientBusy
from scheduling.store import DoctorRecord, PatientLock, SchedulingStore
from scheduling.store.fan_out import fan_out


@dataclass(frozen=True)
class Looks:
    """What a booking read in its first round (and, if a version was not settled, its second)."""

    record: DoctorRecord | None  # None: no such doctor (`doctor()` raises)
    booked: list[BookedInterval]  # the doctor's booked time from `start - LONGEST_BOOKING` to `start + LONGEST_BOOKING`
    patient: PatientLook | None
    extra: Any = None  # the answer of the caller's own extra read, issued in the first round too
    doctor_id: str = ""
    reach: tuple[datetime, datetime] | None = None  # `booked` holds every booking starting in it (if wider)

    def doctor(self) -> DoctorRecord:
        if self.record is None:
            raise DoctorNotFound(self.doctor_id)
        return self.record


@dataclass(frozen=True)
class PatientLook:
    lock: PatientLock
    times: list[tuple[datetime, datetime]]  # the patient's active time overlapping the same reach

    def check(self, start: datetime, end: datetime) -> PatientLock:
        """Refuse `[start, end)` if the patient already has time in it; else the lock to check at commit."""
        for other in self.times:
            if other[0] < end and start < other[1]:
                raise PatientBusy(*other)
        return self.lock


def look_before_booking(
    store: SchedulingStore,
    doctor_id: str,
    start: datetime,
    patient_id: str | None,
    now: datetime,
    ignoring: str | None,
    extra: Callable[[], Any] | None = None,
) -> Looks:
    """One round: the doctor, its booked time around `start`, the patient's lock and time (with `patient_id`;
    `ignoring`: an appointment or hold that is not in the way), and `extra` if given. `now` is read before."""
    if not is_doctor_id(doctor_id):
        raise DoctorNotFound(doctor_id)
    around = LONGEST_BOOKING if doctor_id in _UNCAPPED else ANY_LOCAL_DAY
    doctor_look = partial(_booked_around, store, doctor_id, start, now, around)
    calls: list[Callable[[], Any]] = [partial(doctor_or_none, store, doctor_id), doctor_look]
    patient_look = partial(_patient_around, store, patient_id, start, now, ignoring) if patient_id else None
    if patient_id is not None and patient_look is not None:
        calls += [partial(store.patient_lock, patient_id), patient_look]
    if extra is not None:
        calls.append(extra)
    answers = fan_out(calls)
    record, booked = answers[0], answers[1]
    _remember(doctor_id, record)
    lock, times = (answers[2], answers[3]) if patient_look is not None else (None, [])
    # a version read together with its look: made again after the read unless settled (domain/settled.py)
    redo_doctor = record is not None and not settled(record.fence == 1, record.fence_moved_at, now)
    redo_patient = lock is not None and not settled(lock.version == 0, lock.written_at, now)
    again = [look for look, redo in ((doctor_look, redo_doctor), (patient_look, redo_patient)) if redo and look]
    answers_again = iter(fan_out(again))
    if redo_doctor:
        booked = next(answers_again)
    if redo_patient:
        times = next(answers_again)
    patient = PatientLook(lock, times) if lock is not None else None
    extra_answer = answers[-1] if extra is not None else None
    reach = (start - around, start + around) if around > LONGEST_BOOKING else None
    return Looks(record, booked, patient, extra_answer, doctor_id, reach)


def look_at_patient(
    store: SchedulingStore,
    patient_id: str,
    start: datetime,
    now: datetime,
    ignoring: str | None,
    extra: Callable[[], Any] | None = None,
) -> tuple[PatientLook, Any]:
    """The patient's lock and time around `start`, and `extra` if given, together (and the look again in a second
    round if the lock is not settled)."""
    look = partial(_patient_around, store, patient_id, start, now, ignoring)
    calls: list[Callable[[], Any]] = [partial(store.patient_lock, patient_id), look]
    answers: list[Any] = fan_out([*calls, *([extra] if extra is not None else [])])
    lock, times = answers[0], answers[1]
    if not settled(lock.version == 0, lock.written_at, now):
        times = look()
    return PatientLook(lock, times), answers[2] if extra is not None else None


def doctor_or_none(store: SchedulingStore, doctor_id: str) -> DoctorRecord | None:
    try:
        return store.get_doctor(doctor_id)
    except DoctorNotFound:
        return None


def _booked_around(
    store: SchedulingStore, doctor_id: str, start: datetime, now: datetime, around: timedelta
) -> list[BookedInterval]:
    """The bookings that overlap `[start, start + LONGEST_BOOKING)` (a slot is at most that long) and, wider,
    every booking that starts in `[start - around, start + around)` (which holds those)."""
    if around <= LONGEST_BOOKING:
        return store.booked_intervals(doctor_id, start, start + LONGEST_BOOKING, LONGEST_BOOKING, now)
    # what starts in the range, and nothing before it: a reach back of the one second keys resolve
    return store.booked_intervals(doctor_id, start - around, start + around, timedelta(seconds=1), now)


# Doctors this container last read without a daily cap (a bounded memory, oldest forgotten first): their look
# stays at the slot's reach. Only the width of a read depends on it, never a decision: a doctor that has gained a
# cap since is counted after its read (one more round, once).
_UNCAPPED: dict[str, None] = {}
_REMEMBERED = 10_000


_REMEMBERING = Lock()  # a local runner serves requests on threads of one process


def _remember(doctor_id: str, record: DoctorRecord | None) -> None:
    with _REMEMBERING:
        if record is None or record.doctor.rules.max_per_day is not None:
            _UNCAPPED.pop(doctor_id, None)
            return
        _UNCAPPED[doctor_id] = None
        if len(_UNCAPPED) > _REMEMBERED:
            _UNCAPPED.pop(next(iter(_UNCAPPED)), None)


def _patient_around(
    store: SchedulingStore, patient_id: str | None, start: datetime, now: datetime, ignoring: str | None
) -> list[tuple[datetime, datetime]]:
    if patient_id is None:
        return []
    return store.patient_times(patient_id, start, start + LONGEST_BOOKING, LONGEST_BOOKING, now, ignoring)


def forget_doctors() -> None:
    """Forget which doctors were read without a cap (a new table: tests)."""
    with _REMEMBERING:
        _UNCAPPED.clear()
