"""Appointment reads: one appointment, a doctor's list, a patient's list."""

from __future__ import annotations

from datetime import datetime

from scheduling.domain.ids import appointment_start, is_doctor_id
from scheduling.domain.windows import check_order, optional_window
from scheduling.errors import AppointmentNotFound
from scheduling.models import Appointment, AppointmentStatus, TimeBound
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
    check_order(start, end)
    return store.list_patient_appointments(patient_id, start, end, status, limit, next_token)


def get_appointment(store: SchedulingStore, doctor_id: str, appointment_id: str) -> Appointment:
    start = appointment_start(appointment_id)
    if start is None or not is_doctor_id(doctor_id):
        raise AppointmentNotFound(doctor_id, appointment_id)
    return store.get_appointment(doctor_id, appointment_id, start)


def list_appointments(
    store: SchedulingStore,
    doctor_id: str,
    start: TimeBound | None,
    end: TimeBound | None,
    status: AppointmentStatus | None,
    limit: int,
    next_token: str | None,
) -> Page[Appointment]:
    """A doctor's appointments, ascending by start; a day as a bound is the doctor's local day."""
    doctor = get_doctor(store, doctor_id)
    lower, upper = optional_window(start, end, doctor.zone)
    return store.list_appointments(doctor_id, lower, upper, status, limit, next_token)
