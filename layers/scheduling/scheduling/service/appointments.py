"""Appointment writes: book, cancel and reschedule, each retried against a fresh read after a lost race."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from scheduling.domain.booked import LONGEST_BOOKING
from scheduling.domain.ids import new_appointment_id
from scheduling.domain.lifecycle import NEXT_STATUSES
from scheduling.errors import (
    AppointmentNotActive,
    AppointmentNotFound,
    ConcurrentUpdate,
    DoctorNotFound,
    FieldProblem,
    InvalidInput,
    PatientBusy,
    PatientMismatch,
    SlotTaken,
    StaleRecord,
    TransitionNotAllowed,
)
from scheduling.models import Actor, Appointment, BookingRequest, HistoryEntry, RescheduleRequest
from scheduling.service import clock
from scheduling.service.checks import check_bookable, check_cutoff, lock_the_day, new_appointment
from scheduling.service.holds import convert_hold
from scheduling.service.lifecycle import answered_again, check_transition, refused_while_the_doctor_exists
from scheduling.service.looks import Looks, doctor_or_none, look_at_patient, look_before_booking
from scheduling.service.queries import get_appointment
from scheduling.service.retries import BOOKING_ATTEMPTS, attempts
from scheduling.store import DoctorRecord, SchedulingStore
from scheduling.store.fan_out import fan_out


def book(
    store: SchedulingStore, doctor_id: str, request: BookingRequest, request_key: str | None = None, *, actor: Actor
) -> Appointment:
    """Book a slot, or convert the hold `request.hold_id` names into an appointment. With `request_key` (a
    digest of the caller's Idempotency-Key and request) the appointment id is derived from it, and a booking
    already stored under that id is this request's own, committed by an attempt whose answer was lost: it is
    answered as it is, whatever changed since (docs/design.md, "Exactly-once outcomes")."""
    if request.hold_id is not None:
        return convert_hold(store, doctor_id, request.hold_id, request, actor=actor)
    missing = [name for name in ("start", "location") if getattr(request, name) is None]
    if missing or request.start is None or request.location is None:
        raise InvalidInput([FieldProblem(name, "is required unless hold_id is given") for name in missing])
    appointment_id = new_appointment_id(request.start, request_key) if request_key is not None else None
    patient_id = request.patient.id if request.patient else None
    for attempt in attempts(BOOKING_ATTEMPTS):
        now = clock.now()  # before every look (domain/hold_expiry.py, domain/settled.py)
        # one round: the doctor, its booked time, the patient's lock and time, and this request's own earlier
        # attempt (an attempt of this same request may commit meanwhile: its time is not another booking's)
        own = partial(_stored, store, doctor_id, appointment_id) if appointment_id is not None else None
        looks = look_before_booking(store, doctor_id, request.start, patient_id, now, appointment_id, extra=own)
        if looks.extra is not None:
            return looks.extra  # type: ignore[no-any-return]
        current = looks.doctor()
        check_bookable(current.doctor, request.start, request.location, now)
        appointment = new_appointment(
            current.doctor, request.start, request.location, request.patient, now, appointment_id
        ).model_copy(update={"history": [HistoryEntry.of("booked", now, actor)]})
        # a first attempt counts a capped day from its look; a retry reads the day's lock (service/checks.py)
        day_lock = lock_the_day(
            store, current.doctor, appointment.start, now, leaving=appointment.id, looked=None if attempt else looks
        )
        patient_lock = looks.patient.check(appointment.start, appointment.end) if looks.patient else None
        try:
            return store.book(
                appointment, current.fence, LONGEST_BOOKING, day_lock, patient_lock, looked=looks.booked
            ).in_own_timezone()
        except StaleRecord:
            continue  # the hours changed under us: validate again against what is stored now
    raise ConcurrentUpdate(f"Doctor '{doctor_id}' kept changing while booking; retry.")


def _stored(store: SchedulingStore, doctor_id: str, appointment_id: str) -> Appointment | None:
    try:
        return get_appointment(store, doctor_id, appointment_id).in_own_timezone()
    except AppointmentNotFound:
        return None


def cancel(
    store: SchedulingStore, doctor_id: str, appointment_id: str, reason: str | None, *, actor: Actor
) -> Appointment:
    """Cancel once; asking again (or an SDK retry of our own write) answers the stored cancellation unchanged."""
    for _ in attempts(BOOKING_ATTEMPTS):
        # one round: the appointment and its doctor (for the cut-off)
        reads: list[Callable[[], Any]] = [
            partial(get_appointment, store, doctor_id, appointment_id),
            partial(doctor_or_none, store, doctor_id),
        ]
        appointment: Appointment
        record: DoctorRecord | None
        appointment, record = fan_out(reads)
        if appointment.status == "cancelled":
            return answered_again(store, appointment)
        now = clock.now()
        try:
            check_transition(appointment, "cancelled", now)
        except TransitionNotAllowed:
            if record is None:  # a deleted doctor's appointments are read-only: the refusal is the doctor's absence
                raise DoctorNotFound(doctor_id) from None
            raise
        if record is not None:  # a deleted doctor's (past) appointments keep no policy
            check_cutoff(store, appointment, now, record.doctor)
        cancelled = appointment.model_copy(
            update={
                "status": "cancelled",
                "cancelled_at": now,
                "cancel_reason": reason,
                "history": [*appointment.history, HistoryEntry.of("cancelled", now, actor)],
            }
        )
        try:
            return store.cancel(cancelled, read_status=appointment.status).in_own_timezone()
        except AppointmentNotActive:
            continue  # checked in, completed or rescheduled meanwhile: decide again on what is stored
    raise ConcurrentUpdate(f"Appointment '{appointment_id}' kept changing while cancelling it; retry.")


def reschedule(
    store: SchedulingStore, doctor_id: str, appointment_id: str, request: RescheduleRequest, *, actor: Actor
) -> Appointment:
    """Move a booked appointment; asking again for the same move (a retry whose first answer was lost) answers
    the appointment that move made. A request that names the appointment's patient (`request.patient`) has the
    patient's lock and time looked at in the first round; one naming another patient (or a patient for an
    appointment without one) moves nothing (`PatientMismatch`)."""
    now = clock.now()  # before every look (domain/hold_expiry.py, domain/settled.py)
    named = request.patient.id if request.patient else None
    # one round: the appointment, the doctor and its booked time around the new start, and with a named patient
    # that patient's lock and time (the appointment itself not in the way); a patient known only from the
    # appointment is looked at in a second round
    first = look_before_booking(
        store,
        doctor_id,
        request.start,
        named,
        now,
        appointment_id if named else None,
        extra=partial(get_appointment, store, doctor_id, appointment_id),
    )
    old: Appointment = first.extra
    _check_named_patient(old, named)
    if (done := _same_move(store, old, request)) is not None:
        return done
    if old.status != "booked":
        refused_while_the_doctor_exists(store, doctor_id)
        raise _not_booked(old)
    try:
        return _move(store, doctor_id, old, request, first, now, actor)
    except (AppointmentNotActive, PatientBusy, SlotTaken):
        # Lost a race? A request that lost to the same move answers that move, as its retry would; one that lost
        # to another change is told what a request sent now would be told (docs/design.md, "Reschedule races").
        again = get_appointment(store, doctor_id, appointment_id)
        _check_named_patient(again, named)
        if (done := _same_move(store, again, request)) is not None:
            return done
        if again.status != "booked":
            raise _not_booked(again) from None
        raise


def _check_named_patient(appointment: Appointment, named: str | None) -> None:
    """A request that names a patient moves only that patient's appointment (the transaction checks it too)."""
    if named is not None and appointment.patient_id != named:
        raise PatientMismatch(
            f"Appointment '{appointment.id}' is not booked for the patient this request names; nothing was changed."
        )


def _not_booked(old: Appointment) -> TransitionNotAllowed:
    """Why an appointment that is not booked cannot be rescheduled; a moved one names where it went."""
    if old.replaced_by is not None:
        detail = (
            f"Appointment '{old.id}' was already rescheduled to appointment '{old.replaced_by}'; "
            "reschedule that one instead."
        )
    else:
        detail = f"Appointment '{old.id}' is {old.status}; only a booked appointment can be rescheduled."
    return TransitionNotAllowed(detail, old.status, list(NEXT_STATUSES[old.status]))


def _move(
    store: SchedulingStore,
    doctor_id: str,
    old: Appointment,
    request: RescheduleRequest,
    first: Looks,
    now: datetime,
    actor: Actor,
) -> Appointment:
    """The move itself: looks again after each lost write (the appointment `old` as first read)."""
    location = request.location or old.location
    named = request.patient.id if request.patient else None
    looks: Looks | None = first
    for attempt in attempts(BOOKING_ATTEMPTS):
        if looks is None:
            now = clock.now()
            looks = look_before_booking(store, doctor_id, request.start, named, now, old.id if named else None)
        current = looks.doctor()
        check_cutoff(store, old, now, current.doctor)
        check_bookable(current.doctor, request.start, location, now)
        if request.start == old.start:
            raise InvalidInput([FieldProblem("start", "is the appointment's current slot; choose another slot")])
        moved = HistoryEntry.of("rescheduled", now, actor)
        new = new_appointment(current.doctor, request.start, location, old.patient, now).model_copy(
            # A moved appointment stays in its series and carries its history on.
            update={"replaces": old.id, "series_id": old.series_id, "history": [*old.history, moved]}
        )
        cancelled_old = old.model_copy(
            update={
                "status": "cancelled",
                "cancelled_at": now,
                "cancel_reason": "rescheduled",
                "replaced_by": new.id,
                "history": [*old.history, moved],
            }
        )
        day_lock = lock_the_day(
            store, current.doctor, new.start, now, leaving=old.id, looked=None if attempt else looks
        )
        patient_lock = None
        if new.patient_id is not None:
            # named by the request: looked at with the doctor; else known only now, from the appointment
            patient_look = looks.patient or look_at_patient(store, new.patient_id, new.start, now, ignoring=old.id)[0]
            patient_lock = patient_look.check(new.start, new.end)
        booked, looks = looks.booked, None
        try:
            return store.reschedule(
                new,
                cancelled_old,
                current.fence,
                LONGEST_BOOKING,
                day_lock,
                patient_lock,
                looked=booked,
                patient_named=named,
            ).in_own_timezone()
        except StaleRecord:
            continue
    raise ConcurrentUpdate(f"Doctor '{doctor_id}' kept changing while rescheduling; retry.")


def _same_move(store: SchedulingStore, old: Appointment, request: RescheduleRequest) -> Appointment | None:
    """The appointment `old` was already moved to, if that move is the one `request` asks for."""
    if old.status != "cancelled" or old.replaced_by is None:
        return None
    new = get_appointment(store, old.doctor_id, old.replaced_by)
    if new.start != request.start or (request.location is not None and request.location != new.location):
        return None
    return new.in_own_timezone()
