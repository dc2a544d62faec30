"""Reminders: scheduled when an appointment is booked, dropped when it is cancelled or moved, and published
when due only if the appointment is still `booked` then (docs/design.md, "Reminders").

Exactly once per appointment and offset: one schedule per (appointment, offset), named by them, so a redelivered
stream record cannot make a second; when it fires, a conditional mark (`claim_reminder`) lets one delivery
publish; the event id is derived from (appointment, offset), so even a publication retried after a lost answer
is one event to a consumer that de-duplicates on `id`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from scheduling.domain.reminders import reminders_due, schedule_name
from scheduling.errors import AppointmentNotFound, DoctorNotFound
from scheduling.events.models import AnyEvent, CloudEvent, ReminderData, full_type
from scheduling.events.schedules import REMINDER, ReminderSchedules
from scheduling.service import clock
from scheduling.service.queries import get_appointment
from scheduling.store import SchedulingStore

_REMINDER_NAMESPACE = uuid.UUID("0b6d4a5e-8f0f-4d0a-9a47-2f4c1c3b9d21")
MAX_OFFSETS = 3


class Publishes(Protocol):
    def publish(self, events: list[AnyEvent]) -> int: ...


def schedule_reminders(
    store: SchedulingStore, schedules: ReminderSchedules, doctor_id: str, appointment_id: str, start: datetime
) -> int:
    """One schedule per offset of the doctor's `reminders_minutes` still ahead; how many."""
    try:
        offsets = store.get_doctor(doctor_id).doctor.rules.reminders_minutes
    except DoctorNotFound:
        return 0
    due = reminders_due(start, offsets, clock.now())
    for minutes, at in due:
        payload = {"kind": REMINDER, "doctor_id": doctor_id, "appointment_id": appointment_id, "minutes": minutes}
        schedules.create(schedule_name(appointment_id, minutes), at, payload)
    return len(due)


def drop_reminders(store: SchedulingStore, schedules: ReminderSchedules, doctor_id: str, appointment_id: str) -> None:
    """Delete the appointment's schedules for the doctor's offsets (one made under offsets changed since is
    harmless: it finds the appointment no longer booked and sends nothing)."""
    try:
        offsets = store.get_doctor(doctor_id).doctor.rules.reminders_minutes
    except DoctorNotFound:
        return
    for minutes in offsets[:MAX_OFFSETS]:
        schedules.delete(schedule_name(appointment_id, minutes))


def send_reminder(
    store: SchedulingStore, publisher: Publishes, doctor_id: str, appointment_id: str, minutes: int
) -> AnyEvent | None:
    """Publish `appointment.reminder_due` if the appointment is still booked; once. None if nothing was sent."""
    try:
        appointment = get_appointment(store, doctor_id, appointment_id)
    except (AppointmentNotFound, DoctorNotFound):
        return None
    if appointment.status != "booked":
        return None
    now = clock.now()
    if not store.claim_reminder(doctor_id, appointment_id, minutes, now):
        return None  # delivered before: sent already
    start = appointment.start.astimezone(UTC)
    due = start - timedelta(minutes=minutes)
    event: AnyEvent = CloudEvent[Any](
        id=str(uuid.uuid5(_REMINDER_NAMESPACE, f"{appointment_id}/{minutes}")),
        type=full_type("appointment.reminder_due"),
        subject=f"/doctors/{doctor_id}/appointments/{appointment_id}",
        time=now,
        sequence=f"{int(due.timestamp() * 1_000_000):040d}",
        partitionkey=doctor_id,
        data=ReminderData(
            doctor_id=doctor_id,
            appointment_id=appointment_id,
            status="booked",
            start=start,
            end=appointment.end.astimezone(UTC),
            location=appointment.location,
            patient_id=appointment.patient_id,
            hold_id=appointment.hold_id,
            minutes_before=minutes,
            due_at=due,
        ),
    )
    if publisher.publish([event]) < 1:
        store.unclaim_reminder(doctor_id, appointment_id, minutes)
        raise RuntimeError("the reminder was not published; the scheduler retries it")
    return event
