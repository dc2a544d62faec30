"""Appointment reads: one appointment, a doctor's list, a patient's list."""

from __future__ import annotations

from datetime import datetime

from scheduling.domain.ids import appointment_start, is_doctor_id
from scheduling.domain.windows import optional_window
from scheduling.errors import AppointmentNotFound, FieldProblem, InvalidInput
from scheduling.models import Appointment, AppointmentStatus
from scheduling.service.doctors import get_doctor
from scheduling.store import Page, SchedulingStore


def list_patient_appointments(
    store: SchedulingStore,
    patient_id: str,
    start: datetime | None,
    end: datetime | None,
    status: AppointmentStatus | None,
    limit: int,
    next_token: str | None,
) -> Page[Appointment]:
    """A patient's appointments with every doctor, ascending by start (those booked with `patient.id`)."""
    if start and end and end <= start:
        raise InvalidInput([FieldProblem("to", "must be later than from")], "Query parameter 'to' is not valid.")
    return store.list_patient_appointments(patient_id, start, end, status, limit, next_token)


def get_appointment(store: SchedulingStore, doctor_id: str, appointment_id: str) -> Appointment:
    start = appointment_start(appointment_id)
    if start is None or not is_doctor_id(doctor_id):
        raise AppointmentNotFound(doctor_id, appointment_id)
    return store.get_appointment(doctor_id, appointment_id, start)


def list_appointments(
    store: SchedulingStore,
    doctor_id: str,
    from_text: str | None,
    to_text: str | None,
    status: AppointmentStatus | None,
    limit: int,
    next_token: str | None,
) -> Page[Appointment]:
    doctor = get_doctor(store, doctor_id)
    start, end = optional_window(from_text, to_text, doctor.zone)
    return store.list_appointments(doctor_id, start, end, status, limit, next_token)
