"""Appointment writes: book, cancel and reschedule, each retried against a fresh read after a lost race."""

from __future__ import annotations

from scheduling.domain.booked import LONGEST_BOOKING
from scheduling.domain.ids import new_appointment_id
from scheduling.domain.lifecycle import NEXT_STATUSES
from scheduling.errors import (
    AppointmentNotActive,
    AppointmentNotFound,
    ConcurrentUpdate,
    FieldProblem,
    InvalidInput,
    StaleRecord,
    TransitionNotAllowed,
)
from scheduling.models import Appointment, BookingRequest, RescheduleRequest
from scheduling.service import clock
from scheduling.service.checks import check_bookable, check_cutoff, check_the_patient, count_the_day, new_appointment
from scheduling.service.clock import BOOKING_ATTEMPTS, attempts
from scheduling.service.doctors import doctor_record
from scheduling.service.holds import convert_hold
from scheduling.service.lifecycle import answered_again, check_transition, refused_while_the_doctor_exists
from scheduling.service.queries import get_appointment
from scheduling.store import SchedulingStore


def book(
    store: SchedulingStore, doctor_id: str, request: BookingRequest, request_key: str | None = None
) -> Appointment:
    """Book a slot, or convert the hold `request.hold_id` names into an appointment. With `request_key` (a
    digest of the caller's Idempotency-Key and request) the appointment id is derived from it, and a booking
    already stored under that id is this request's own, committed by an attempt whose answer was lost: it is
    answered as it is, whatever changed since (docs/design.md, "Exactly-once outcomes")."""
    if request.hold_id is not None:
        return convert_hold(store, doctor_id, request.hold_id, request)
    missing = [name for name in ("start", "location") if getattr(request, name) is None]
    if missing or request.start is None or request.location is None:
        raise InvalidInput([FieldProblem(name, "is required unless hold_id is given") for name in missing])
    appointment_id = new_appointment_id(request.start, request_key) if request_key is not None else None
    for _ in attempts(BOOKING_ATTEMPTS):
        if appointment_id is not None and (own := _stored(store, doctor_id, appointment_id)) is not None:
            return own
        current = doctor_record(store, doctor_id)
        now = clock.now()
        check_bookable(current.doctor, request.start, request.location, now)
        appointment = new_appointment(
            current.doctor, request.start, request.location, request.patient, now, appointment_id
        )
        # an attempt of this same request may commit meanwhile: its time is not another booking's
        day_lock = count_the_day(store, current.doctor, appointment.start, now, leaving=appointment.id)
        patient_lock = check_the_patient(store, appointment, now, moving=appointment.id)
        try:
            return store.book(appointment, current.fence, LONGEST_BOOKING, day_lock, patient_lock).in_own_timezone()
        except StaleRecord:
            continue  # the hours changed under us: validate again against what is stored now
    raise ConcurrentUpdate(f"Doctor '{doctor_id}' kept changing while booking; retry.")


def _stored(store: SchedulingStore, doctor_id: str, appointment_id: str) -> Appointment | None:
    try:
        return get_appointment(store, doctor_id, appointment_id).in_own_timezone()
    except AppointmentNotFound:
        return None


def cancel(store: SchedulingStore, doctor_id: str, appointment_id: str, reason: str | None) -> Appointment:
    """Cancel once; asking again (or an SDK retry of our own write) answers the stored cancellation unchanged."""
    for _ in attempts(BOOKING_ATTEMPTS):
        appointment = get_appointment(store, doctor_id, appointment_id)
        if appointment.status == "cancelled":
            return answered_again(store, appointment)
        try:
            check_transition(appointment, "cancelled", clock.now())
        except TransitionNotAllowed:
            refused_while_the_doctor_exists(store, doctor_id)
            raise
        check_cutoff(store, appointment, clock.now())
        cancelled = appointment.model_copy(
            update={"status": "cancelled", "cancelled_at": clock.now(), "cancel_reason": reason}
        )
        try:
            return store.cancel(cancelled, read_status=appointment.status).in_own_timezone()
        except AppointmentNotActive:
            continue  # checked in, completed or rescheduled meanwhile: decide again on what is stored
    raise ConcurrentUpdate(f"Appointment '{appointment_id}' kept changing while cancelling it; retry.")


def reschedule(store: SchedulingStore, doctor_id: str, appointment_id: str, request: RescheduleRequest) -> Appointment:
    """Move a booked appointment; asking again for the same move (a retry whose first answer was lost) answers
    the appointment that move made."""
    old = get_appointment(store, doctor_id, appointment_id)
    if (done := _same_move(store, old, request)) is not None:
        return done
    if old.status != "booked":
        refused_while_the_doctor_exists(store, doctor_id)
        raise TransitionNotAllowed(
            f"Appointment '{appointment_id}' is {old.status}; only a booked appointment can be rescheduled.",
            old.status,
            list(NEXT_STATUSES[old.status]),
        )
    location = request.location or old.location
    for _ in attempts(BOOKING_ATTEMPTS):
        current = doctor_record(store, doctor_id)
        now = clock.now()
        check_cutoff(store, old, now, current.doctor)
        check_bookable(current.doctor, request.start, location, now)
        if request.start == old.start:
            raise InvalidInput([FieldProblem("start", "is the appointment's current slot; choose another slot")])
        new = new_appointment(current.doctor, request.start, location, old.patient, now).model_copy(
            update={"replaces": old.id, "series_id": old.series_id}  # a moved appointment stays in its series
        )
        cancelled_old = old.model_copy(
            update={"status": "cancelled", "cancelled_at": now, "cancel_reason": "rescheduled", "replaced_by": new.id}
        )
        day_lock = count_the_day(store, current.doctor, new.start, now, leaving=old.id)
        patient_lock = check_the_patient(store, new, now, moving=old.id)
        try:
            return store.reschedule(
                new, cancelled_old, current.fence, LONGEST_BOOKING, day_lock, patient_lock
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
