"""The appointment lifecycle after booking: check in, complete, no-show."""

from __future__ import annotations

from datetime import datetime

from scheduling.domain.lifecycle import NEXT_STATUSES, STAMPS, sources_of, too_early_or_late
from scheduling.errors import AppointmentNotActive, ConcurrentUpdate, TransitionNotAllowed
from scheduling.models import Actor, Appointment, AppointmentStatus, HistoryEntry
from scheduling.service import clock
from scheduling.service.queries import get_appointment
from scheduling.service.retries import BOOKING_ATTEMPTS, attempts
from scheduling.store import SchedulingStore


def check_in(store: SchedulingStore, doctor_id: str, appointment_id: str, *, actor: Actor) -> Appointment:
    return _change_status(store, doctor_id, appointment_id, "checked_in", actor)


def complete(store: SchedulingStore, doctor_id: str, appointment_id: str, *, actor: Actor) -> Appointment:
    return _change_status(store, doctor_id, appointment_id, "completed", actor)


def mark_no_show(store: SchedulingStore, doctor_id: str, appointment_id: str, *, actor: Actor) -> Appointment:
    return _change_status(store, doctor_id, appointment_id, "no_show", actor)


def _change_status(
    store: SchedulingStore, doctor_id: str, appointment_id: str, to: AppointmentStatus, actor: Actor
) -> Appointment:
    """One conditional update; repeating the change that produced the current status answers it unchanged."""
    for _ in attempts(BOOKING_ATTEMPTS):
        appointment = get_appointment(store, doctor_id, appointment_id)
        if appointment.status == to:
            return answered_again(store, appointment)
        now = clock.now()
        try:
            check_transition(appointment, to, now)
        except TransitionNotAllowed:
            refused_while_the_doctor_exists(store, doctor_id)
            raise
        try:
            entry = HistoryEntry.of(to, now, actor)
            return store.transition(appointment, to, STAMPS[to], now, sources_of(to), entry).in_own_timezone()
        except AppointmentNotActive:
            continue  # another change came first: decide again on what is stored
    raise ConcurrentUpdate(f"Appointment '{appointment_id}' kept changing; retry.")


def answered_again(store: SchedulingStore, appointment: Appointment) -> Appointment:
    """A repeated change answers the stored appointment, while its doctor exists: a deleted doctor's
    appointments answer every change 404, the first and the repeated alike."""
    store.get_doctor(appointment.doctor_id)
    return appointment


def refused_while_the_doctor_exists(store: SchedulingStore, doctor_id: str) -> None:
    """Before refusing a change for the stored status: a deleted doctor's appointments answer every change 404
    (docs/design.md, point 4), whatever their status. A read, as nothing is written; writes stay the database's
    to decide (each change's transaction checks the doctor's fence)."""
    store.get_doctor(doctor_id)


def check_transition(appointment: Appointment, to: AppointmentStatus, now: datetime) -> None:
    allowed = NEXT_STATUSES[appointment.status]
    if to not in allowed:
        raise TransitionNotAllowed(
            f"Appointment '{appointment.id}' is {appointment.status}; it cannot become {to}.",
            appointment.status,
            list(allowed),
        )
    reason = too_early_or_late(to, appointment.start, appointment.end, now)
    if reason:
        raise TransitionNotAllowed(
            f"Appointment '{appointment.id}' cannot become {to} now: {reason}.", appointment.status, list(allowed)
        )
