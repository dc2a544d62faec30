"""Holds: a slot reserved for minutes, then released, expired or converted into an appointment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

from scheduling.domain.booked import LONGEST_BOOKING
from scheduling.domain.hold_expiry import convertible, expiry_after
from scheduling.domain.ids import hold_start, is_doctor_id, is_hold_id, new_appointment_id, new_hold_id
from scheduling.domain.windows import slot_window
from scheduling.errors import (
    ConcurrentUpdate,
    FieldProblem,
    HoldConverted,
    HoldExpired,
    HoldNotFound,
    HoldReleased,
    InvalidInput,
    StaleRecord,
)
from scheduling.models import (
    Actor,
    Appointment,
    BookingRequest,
    HistoryEntry,
    Hold,
    HoldRequest,
    Patient,
    TimeBound,
    rfc3339,
)
from scheduling.service import clock
from scheduling.service.checks import check_bookable, lock_the_day
from scheduling.service.doctors import get_doctor
from scheduling.service.looks import PatientLook, look_at_patient, look_before_booking
from scheduling.service.queries import get_appointment
from scheduling.service.retries import BOOKING_ATTEMPTS, attempts
from scheduling.store import PatientLock, SchedulingStore


def hold(
    store: SchedulingStore, doctor_id: str, request: HoldRequest, request_key: str | None = None, *, actor: Actor
) -> Hold:
    """Hold a slot. With `request_key` (a digest of the caller's Idempotency-Key and request) the hold id is
    derived from it, and a hold already stored under that id is this request's own, committed by an attempt whose
    answer was lost: it is answered as it is now (docs/design.md, "Exactly-once outcomes")."""
    start = request.start.astimezone(UTC)
    hold_id = new_hold_id(start, request_key) if request_key is not None else None
    patient_id = request.patient.id if request.patient else None
    for attempt in attempts(BOOKING_ATTEMPTS):
        now = clock.now()  # before every look (domain/hold_expiry.py, domain/settled.py)
        # one round: the doctor, its booked time, the patient's lock and time, and this request's own earlier
        # attempt (an attempt of this same request may commit meanwhile: its time is not another hold's)
        own = partial(_stored, store, doctor_id, hold_id) if hold_id is not None else None
        looks = look_before_booking(store, doctor_id, start, patient_id, now, hold_id, extra=own)
        earlier: Hold | None = looks.extra
        if earlier is not None:
            return earlier.in_own_timezone()
        current = looks.doctor()
        check_bookable(current.doctor, request.start, request.location, now)
        held = Hold(
            id=hold_id or new_hold_id(start),
            doctor_id=doctor_id,
            start=start,
            end=start + timedelta(minutes=current.doctor.slot_minutes),
            location=request.location,
            timezone=current.doctor.timezone,
            status="held",
            # whole seconds, as stored and compared: the answer's expires_at is the exact moment the hold lapses
            expires_at=expiry_after(now, timedelta(seconds=request.ttl_seconds)),
            created_at=now,
            patient=request.patient,
            created_by=actor.by,
        )
        # a first attempt counts a capped day from its look; a retry reads the day's lock (service/checks.py)
        day_lock = lock_the_day(
            store, current.doctor, held.start, now, leaving=held.id, looked=None if attempt else looks
        )
        patient_lock = looks.patient.check(held.start, held.end) if looks.patient else None
        try:
            return store.hold(
                held, current.fence, LONGEST_BOOKING, day_lock, patient_lock, looked=looks.booked
            ).in_own_timezone()
        except StaleRecord:
            continue
    raise ConcurrentUpdate(f"Doctor '{doctor_id}' kept changing while holding; retry.")


def _stored(store: SchedulingStore, doctor_id: str, hold_id: str) -> Hold | None:
    try:
        return get_hold(store, doctor_id, hold_id)
    except HoldNotFound:
        return None


def held_times(
    store: SchedulingStore, doctor_id: str, start: TimeBound | None, end: TimeBound | None
) -> list[tuple[datetime, datetime]]:
    """When the doctor's holds keep slots (until a margin after they expired: domain/hold_expiry.py), in the
    free-slot search's window (same defaults and limits), as (start, end) pairs with the doctor's offset: who
    holds them and the hold ids (capabilities) stay private."""
    doctor = get_doctor(store, doctor_id)
    now = clock.now()
    asked = slot_window(start, end, doctor.zone, now)
    booked = store.booked_intervals(doctor_id, asked.start, asked.end, LONGEST_BOOKING, now)
    zone = doctor.zone
    held = sorted((interval.start, interval.end) for interval in booked if interval.held_until is not None)
    return [(start.astimezone(zone), end.astimezone(zone)) for start, end in held]


def get_hold(store: SchedulingStore, doctor_id: str, hold_id: str) -> Hold:
    """The hold as of now: a `held` record past its `expires_at` reads `expired`."""
    if not is_doctor_id(doctor_id) or not is_hold_id(hold_id):
        raise HoldNotFound(doctor_id, hold_id)
    return _as_of_now(store.get_hold(doctor_id, hold_id))


def _hold_and_lock(store: SchedulingStore, doctor_id: str, hold_id: str) -> tuple[Hold, PatientLock | None]:
    """`get_hold`, and the patient's lock as the hold's own transaction wrote it (store.get_hold_and_lock)."""
    if not is_doctor_id(doctor_id) or not is_hold_id(hold_id):
        raise HoldNotFound(doctor_id, hold_id)
    stored, lock = store.get_hold_and_lock(doctor_id, hold_id)
    return _as_of_now(stored), lock


def _as_of_now(stored: Hold) -> Hold:
    if stored.status == "held" and not convertible(stored.expires_at, clock.now()):
        return stored.model_copy(update={"status": "expired"})
    return stored


def release_hold(store: SchedulingStore, doctor_id: str, hold_id: str, *, actor: Actor) -> None:
    """Free a held slot at once; releasing a released or expired hold again changes nothing."""
    for _ in attempts(BOOKING_ATTEMPTS):
        current = get_hold(store, doctor_id, hold_id)
        if current.status in {"released", "expired"}:
            return
        if current.status == "booked":
            raise HoldConverted(f"Hold '{hold_id}' became appointment '{current.appointment_id}'; cancel that instead.")
        try:
            store.release_hold(current, clock.now(), actor.by)
            return
        except StaleRecord:
            continue
    raise ConcurrentUpdate(f"Hold '{hold_id}' kept changing while releasing it; retry.")


def convert_hold(
    store: SchedulingStore, doctor_id: str, hold_id: str, request: BookingRequest, *, actor: Actor
) -> Appointment:
    """The held slot becomes an appointment, once: converting again answers the same appointment."""
    asked = request.patient.id if request.patient else None
    held_from = hold_start(hold_id)
    trust_the_hold = True  # until a write of ours fails: then the patient is looked at again
    for _ in attempts(BOOKING_ATTEMPTS):
        looked_at = clock.now()  # before the patient's look (domain/hold_expiry.py, domain/settled.py)
        pre_read: PatientLook | None = None
        held_lock: PatientLock | None = None
        if asked is not None and held_from is not None and is_doctor_id(doctor_id):
            # one round: the hold and the patient the request names (the hold's own patient, or its only one)
            pre_read, current = look_at_patient(
                store, asked, held_from, looked_at, hold_id, extra=partial(get_hold, store, doctor_id, hold_id)
            )
        else:
            current, held_lock = _hold_and_lock(store, doctor_id, hold_id)
        _check_matches_hold(current, request)  # a replay too: another slot or patient is never "the same"
        if current.status == "booked" and current.appointment_id:
            return get_appointment(store, doctor_id, current.appointment_id)
        if current.status == "expired":
            raise HoldExpired(hold_id, "expired")
        if current.status == "released":
            raise HoldReleased(hold_id, "released")
        now = clock.now()
        if current.start < now:  # a hold keeps its slot until it expires, but a slot that has begun is past
            raise InvalidInput([FieldProblem("hold_id", "holds a slot that has already started")], "Too late to book.")
        appointment = Appointment(
            id=new_appointment_id(current.start),
            doctor_id=doctor_id,
            location=current.location,
            start=current.start.astimezone(UTC),
            end=current.end.astimezone(UTC),
            status="booked",
            timezone=current.timezone,
            patient=_patient_of(current, request),
            hold_id=hold_id,
            created_at=now,
        )
        # the hold's own entry in the patient's time is replaced by the appointment's
        patient_lock = None
        if appointment.patient_id is not None:
            if pre_read is not None and pre_read.lock.patient_id == appointment.patient_id:
                patient_lock = pre_read.check(appointment.start, appointment.end)
            elif trust_the_hold and held_lock is not None and held_lock.patient_id == appointment.patient_id:
                # the hold names a patient the request does not: the hold's own look (made under this lock
                # before its commit) covered exactly this time, and stands while the lock is still the version the
                # hold wrote, which the transaction checks (docs/design.md, point 8)
                patient_lock = held_lock
            else:
                pre_read, _ = look_at_patient(store, appointment.patient_id, appointment.start, now, hold_id)
                patient_lock = pre_read.check(appointment.start, appointment.end)
        # the write's condition `expires_at > now` uses the time read just before it (domain/hold_expiry.py)
        at = clock.now()
        appointment = appointment.model_copy(
            update={"created_at": at, "history": [HistoryEntry.of("booked", at, actor)]}
        )
        try:
            return store.convert_hold(current, appointment, patient_lock).in_own_timezone()
        except StaleRecord:
            trust_the_hold = False  # the patient may have written since the hold: look at their time again
            continue  # converted, released or expired meanwhile: read it again and answer that
    raise ConcurrentUpdate(f"Hold '{hold_id}' kept changing while converting it; retry.")


def _check_matches_hold(held: Hold, request: BookingRequest) -> None:
    problems = []
    if request.start is not None and request.start != held.start:
        problems.append(FieldProblem("start", f"must be the held slot's start {rfc3339(held.start)} or left out"))
    if request.location is not None and request.location != held.location:
        problems.append(FieldProblem("location", f"must be the held location '{held.location}' or left out"))
    asked_for = request.patient.id if request.patient else None
    if held.patient_id is not None and asked_for not in {None, held.patient_id}:
        problems.append(FieldProblem("patient.id", "must be the id of the patient the slot is held for, or left out"))
    if problems:
        raise InvalidInput(problems, "The booking does not match the hold.")


def _patient_of(held: Hold, request: BookingRequest) -> Patient | None:
    """The booking's patient; a hold made for a patient books for that patient unless the request says more."""
    if held.patient_id is None or (request.patient is not None and request.patient.id is not None):
        return request.patient
    return Patient(id=held.patient_id, name=request.patient.name if request.patient else None)
