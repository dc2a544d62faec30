"""Use cases: each route calls one of these. They combine the pure domain with the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from scheduling.domain.ids import appointment_start, is_doctor_id, new_appointment_id, new_doctor_id
from scheduling.domain.merge_patch import apply_merge_patch
from scheduling.domain.rules import check_opening_hours
from scheduling.domain.slots import is_published, published_slots
from scheduling.domain.windows import optional_window, slot_window
from scheduling.errors import (
    AppointmentNotActive,
    AppointmentNotFound,
    DoctorHasBookings,
    DoctorNotFound,
    FieldProblem,
    InvalidInput,
    PreconditionFailed,
    problems_from_pydantic,
)
from scheduling.models import (
    Appointment,
    AppointmentStatus,
    BookingRequest,
    Doctor,
    DoctorIn,
    Patient,
    RescheduleRequest,
    Slot,
)
from scheduling.store import Page, SchedulingStore


def _now() -> datetime:
    return datetime.now(UTC)


# Doctors


def etag(doctor: Doctor) -> str:
    return f'"{doctor.version}"'


def create_doctor(store: SchedulingStore, draft: DoctorIn) -> Doctor:
    check_opening_hours(draft)
    now = _now()
    doctor = Doctor(**draft.model_dump(), id=new_doctor_id(), created_at=now, updated_at=now, version=1)
    store.create_doctor(doctor)
    return doctor


def get_doctor(store: SchedulingStore, doctor_id: str) -> Doctor:
    if not is_doctor_id(doctor_id):
        raise DoctorNotFound(doctor_id)
    return store.get_doctor(doctor_id)


def list_doctors(store: SchedulingStore, limit: int, next_token: str | None) -> Page[Doctor]:
    return store.list_doctors(limit, next_token)


def replace_doctor(store: SchedulingStore, doctor_id: str, draft: DoctorIn, if_match: str | None) -> Doctor:
    check_opening_hours(draft)
    current = get_doctor(store, doctor_id)
    return _write_new_version(store, current, draft, if_match)


def patch_doctor(store: SchedulingStore, doctor_id: str, patch: Any, if_match: str | None) -> Doctor:
    if not isinstance(patch, dict):
        raise InvalidInput([FieldProblem("body", "a merge patch must be a JSON object")])
    current = get_doctor(store, doctor_id)
    document = apply_merge_patch(current.model_dump(mode="json", include=set(DoctorIn.model_fields)), patch)
    try:
        draft = DoctorIn.model_validate(document)
    except ValidationError as error:
        raise InvalidInput(problems_from_pydantic(error.errors())) from None  # type: ignore[arg-type]
    check_opening_hours(draft)
    return _write_new_version(store, current, draft, if_match)


def delete_doctor(store: SchedulingStore, doctor_id: str, if_match: str | None) -> None:
    current = get_doctor(store, doctor_id)
    _check_if_match(current, if_match)
    if store.has_booking_from(doctor_id, _now()):
        raise DoctorHasBookings(
            f"Doctor '{doctor_id}' has future booked appointments; cancel them before deleting the doctor."
        )
    store.delete_doctor(doctor_id, current.version)


def _write_new_version(store: SchedulingStore, current: Doctor, draft: DoctorIn, if_match: str | None) -> Doctor:
    _check_if_match(current, if_match)
    updated = Doctor(
        **draft.model_dump(),
        id=current.id,
        created_at=current.created_at,
        updated_at=_now(),
        version=current.version + 1,
    )
    store.replace_doctor(updated, current.version)  # conditional on the version just read
    return updated


def _check_if_match(current: Doctor, if_match: str | None) -> None:
    """`If-Match` must name the version just read (or be `*`); the write is then conditional on that version."""
    if if_match is None or if_match.strip() == "*":
        return
    if etag(current) not in {tag.strip().removeprefix("W/") for tag in if_match.split(",")}:
        raise PreconditionFailed(f"If-Match {if_match} does not match the current ETag {etag(current)}.")


# Availability


def free_slots(store: SchedulingStore, doctor_id: str, from_text: str | None, to_text: str | None) -> list[Slot]:
    doctor = get_doctor(store, doctor_id)
    zone = doctor.zone
    now = _now()
    window = slot_window(from_text, to_text, zone, now)
    start = max(window.start, now)
    if start >= window.end:
        return []
    booked = store.booked_slot_starts(doctor_id, start, window.end)
    return [
        Slot(start=slot.start.astimezone(zone), end=slot.end.astimezone(zone))
        for slot in published_slots(doctor, start, window.end)
        if slot.start not in booked
    ]


# Appointments


def book(store: SchedulingStore, doctor_id: str, request: BookingRequest) -> Appointment:
    doctor = get_doctor(store, doctor_id)
    now = _now()
    _check_bookable(doctor, request.start, request.location, now)
    appointment = _new_appointment(doctor, request.start, request.location, request.patient, now)
    store.book(appointment)
    return appointment.in_own_timezone()


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


def cancel(store: SchedulingStore, doctor_id: str, appointment_id: str, reason: str | None) -> Appointment:
    """Cancel once; asking again answers the cancelled appointment unchanged."""
    appointment = get_appointment(store, doctor_id, appointment_id)
    if appointment.status == "cancelled":
        return appointment
    cancelled = appointment.model_copy(update={"status": "cancelled", "cancelled_at": _now(), "cancel_reason": reason})
    try:
        store.cancel(cancelled)
    except AppointmentNotActive:
        # A concurrent cancel (or reschedule) got there first: answer what it stored.
        return get_appointment(store, doctor_id, appointment_id)
    return cancelled


def reschedule(store: SchedulingStore, doctor_id: str, appointment_id: str, request: RescheduleRequest) -> Appointment:
    old = get_appointment(store, doctor_id, appointment_id)
    if old.status != "booked":
        raise AppointmentNotActive(f"Appointment '{appointment_id}' is cancelled and cannot be rescheduled.")
    doctor = get_doctor(store, doctor_id)
    now = _now()
    location = request.location or old.location
    _check_bookable(doctor, request.start, location, now)
    if request.start == old.start:
        raise InvalidInput([FieldProblem("start", "is the appointment's current slot; choose another slot")])
    new = _new_appointment(doctor, request.start, location, old.patient, now).model_copy(update={"replaces": old.id})
    cancelled_old = old.model_copy(
        update={"status": "cancelled", "cancelled_at": now, "cancel_reason": "rescheduled", "replaced_by": new.id}
    )
    store.reschedule(new, cancelled_old)
    return new.in_own_timezone()


def _check_bookable(doctor: Doctor, start: datetime, location: str, now: datetime) -> None:
    problems = []
    if location not in doctor.locations:
        problems.append(FieldProblem("location", "is not one of the doctor's locations"))
    if start < now:
        problems.append(FieldProblem("start", "is in the past"))
    elif not is_published(doctor, start):
        problems.append(FieldProblem("start", "is not the start of a published slot of this doctor"))
    if problems:
        raise InvalidInput(problems, "This appointment cannot be booked.")


def _new_appointment(
    doctor: Doctor, start: datetime, location: str, patient: Patient | None, now: datetime
) -> Appointment:
    start_utc = start.astimezone(UTC)
    return Appointment(
        id=new_appointment_id(start_utc),
        doctor_id=doctor.id,
        location=location,
        start=start_utc,
        end=start_utc + timedelta(minutes=doctor.slot_minutes),
        status="booked",
        timezone=doctor.timezone,
        patient=patient,
        created_at=now,
    )
