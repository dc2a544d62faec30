"""Our models as FHIR R4 (4.0.1) resources, as JSON-ready dicts: doctor -> Practitioner and Schedule, a doctor's
location -> Location, a free slot -> Slot, an appointment or a hold -> Appointment. Mapping only: no rule is
decided here (docs/fhir.md has the tables).

Built as plain dicts rather than `fhir.resources` models: the tests parse every one of them with
`fhir.resources.R4B`, and the function does not pay that package's import at cold start for its answers
(docs/fhir.md, "Cost").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scheduling.domain.notice import bookable_times
from scheduling.fhir.ids import booked_id, location_id, pending_id, proposed_id, slot_id
from scheduling.models import Appointment, AppointmentStatus, Doctor, Hold, HoldStatus, Slot, rfc3339

Resource = dict[str, Any]

# docs/fhir.md, "Status mapping". checked_in -> checked-in: our check-in is the front desk's registration,
# after which the encounter may begin, which is R4's `checked-in`; `arrived` only says the patient is present.
APPOINTMENT_STATUS: dict[AppointmentStatus, str] = {
    "booked": "booked",
    "checked_in": "checked-in",
    "completed": "fulfilled",
    "no_show": "noshow",
    "cancelled": "cancelled",
}
NATIVE_STATUS: dict[str, AppointmentStatus] = {fhir: native for native, fhir in APPOINTMENT_STATUS.items()}
# A hold is a pending appointment; once it lapses or is released it is cancelled; once booked, the booked
# appointment is a resource of its own (this one says so in `identifier`).
HOLD_STATUS: dict[HoldStatus, str] = {
    "held": "pending",
    "expired": "cancelled",
    "released": "cancelled",
    "booked": "booked",
}
APPOINTMENT_ID_SYSTEM = "urn:scheduling:appointment-id"
# A series (a course of appointments) is an identifier its Appointments share, not `basedOn`: R4's basedOn
# references a ServiceRequest, which this service has none of (docs/fhir.md).
SERIES_ID_SYSTEM = "urn:scheduling:series-id"
SPECIALTY_SYSTEM = "urn:scheduling:specialty"  # the doctor's own words; `$find?specialty=` matches the code
HOLD_ID_SYSTEM = "urn:scheduling:hold-id"


def reference(resource_type: str, resource_id: str, display: str | None = None) -> dict[str, str]:
    found = {"reference": f"{resource_type}/{resource_id}"}
    return {**found, "display": display} if display else found


def practitioner(doctor: Doctor) -> Resource:
    return {
        "resourceType": "Practitioner",
        "id": doctor.id,
        "meta": {"versionId": str(doctor.version), "lastUpdated": rfc3339(doctor.updated_at)},
        "active": True,
        "name": [{"text": doctor.name}],
    }


def location(doctor: Doctor, address: str) -> Resource:
    return {
        "resourceType": "Location",
        "id": location_id(doctor.id, address),
        "status": "active",
        "name": address,
        "mode": "instance",
        "address": {"text": address},
        "description": f"Where {doctor.name} sees patients.",
    }


def locations(doctor: Doctor) -> list[Resource]:
    return [location(doctor, address) for address in doctor.locations]


def schedule(doctor: Doctor, now: datetime) -> Resource:
    """The doctor's bookable calendar: `planningHorizon` is when slots may start now, by the booking rules."""
    times = bookable_times(doctor.rules, now)
    horizon = {"start": rfc3339(times.earliest.astimezone(doctor.zone))}
    if times.latest is not None:
        horizon["end"] = rfc3339(times.latest.astimezone(doctor.zone))
    actors = [reference("Practitioner", doctor.id, doctor.name)]
    actors += [reference("Location", location_id(doctor.id, address), address) for address in doctor.locations]
    found: Resource = {
        "resourceType": "Schedule",
        "id": doctor.id,
        "active": True,
    }
    if doctor.specialties:
        found["specialty"] = [specialty(name) for name in doctor.specialties]
    found["actor"] = actors
    found["planningHorizon"] = horizon
    found["comment"] = f"{doctor.slot_minutes}-minute slots, times in {doctor.timezone}."
    return found


def specialty(name: str) -> dict[str, Any]:
    return {"coding": [{"system": SPECIALTY_SYSTEM, "code": name}], "text": name}


def free_slot(doctor_id: str, slot: Slot) -> Resource:
    return {
        "resourceType": "Slot",
        "id": slot_id(doctor_id, slot.start),
        "schedule": reference("Schedule", doctor_id),
        "status": "free",
        "start": rfc3339(slot.start),
        "end": rfc3339(slot.end),
        "comment": "Bookable at: " + "; ".join(slot.locations),
    }


def busy_slot(appointment: Appointment) -> Resource:
    return {
        "resourceType": "Slot",
        "id": slot_id(appointment.doctor_id, appointment.start, busy=True),
        "schedule": reference("Schedule", appointment.doctor_id),
        "status": "busy",
        "start": rfc3339(appointment.start),
        "end": rfc3339(appointment.end),
    }


def held_slot(doctor_id: str, start: datetime, end: datetime) -> Resource:
    """A slot an unexpired hold keeps: `busy-tentative` (it frees itself when the hold expires)."""
    return {
        "resourceType": "Slot",
        "id": slot_id(doctor_id, start, busy=True),
        "schedule": reference("Schedule", doctor_id),
        "status": "busy-tentative",
        "start": rfc3339(start),
        "end": rfc3339(end),
    }


def _participants(doctor_id: str, doctor_name: str | None, address: str, status: str) -> list[dict[str, Any]]:
    return [
        {"actor": reference("Practitioner", doctor_id, doctor_name), "required": "required", "status": status},
        {
            "actor": reference("Location", location_id(doctor_id, address), address),
            "required": "required",
            "status": status,
        },
    ]


def appointment(booked: Appointment, doctor_name: str | None = None) -> Resource:
    participants = _participants(booked.doctor_id, doctor_name, booked.location, "accepted")
    patient = booked.patient
    if patient is not None and (patient.id or patient.name):
        actor: dict[str, str] = {"reference": f"Patient/{patient.id}"} if patient.id else {}
        if patient.name:
            actor["display"] = patient.name
        participants.append({"actor": actor, "required": "required", "status": "accepted"})
    resource: Resource = {
        "resourceType": "Appointment",
        "id": booked_id(booked.doctor_id, booked.id),
        "meta": {"lastUpdated": rfc3339(_last_updated(booked))},
        "identifier": [
            {"system": APPOINTMENT_ID_SYSTEM, "value": booked.id},
            *([{"system": SERIES_ID_SYSTEM, "value": booked.series_id}] if booked.series_id else []),
        ],
        "status": APPOINTMENT_STATUS[booked.status],
        "start": rfc3339(booked.start),
        "end": rfc3339(booked.end),
        "minutesDuration": int((booked.end - booked.start).total_seconds() // 60),
        "created": rfc3339(booked.created_at),
        "participant": participants,
    }
    if booked.status == "cancelled" and booked.cancel_reason:
        resource["cancelationReason"] = {"text": booked.cancel_reason}
    if booked.replaces:
        resource["comment"] = f"Rescheduled from Appointment/{booked_id(booked.doctor_id, booked.replaces)}."
    if booked.replaced_by:
        resource["comment"] = f"Rescheduled to Appointment/{booked_id(booked.doctor_id, booked.replaced_by)}."
    return resource


def _last_updated(booked: Appointment) -> datetime:
    """When the appointment last changed: its history's last entry (or, for a record stored before there was a
    history, its latest stamp)."""
    stamps = [booked.created_at, booked.checked_in_at, booked.completed_at, booked.no_show_at, booked.cancelled_at]
    return max([stamp for stamp in stamps if stamp is not None] + [entry.at for entry in booked.history])


def pending(held: Hold, doctor_name: str | None = None) -> Resource:
    """A hold as an Appointment: `pending` while held (until `requestedPeriod.end`, the hold's expiry)."""
    identifiers = [{"system": HOLD_ID_SYSTEM, "value": held.id}]
    participants = _participants(held.doctor_id, doctor_name, held.location, "accepted")
    if held.patient_id:
        participants.append(
            {"actor": {"reference": f"Patient/{held.patient_id}"}, "required": "required", "status": "accepted"}
        )
    if held.appointment_id:
        identifiers.append({"system": APPOINTMENT_ID_SYSTEM, "value": held.appointment_id})
    resource: Resource = {
        "resourceType": "Appointment",
        "id": pending_id(held.doctor_id, held.id),
        "identifier": identifiers,
        "status": HOLD_STATUS[held.status],
        "start": rfc3339(held.start),
        "end": rfc3339(held.end),
        "minutesDuration": int((held.end - held.start).total_seconds() // 60),
        "created": rfc3339(held.created_at),
        "participant": participants,
        "comment": f"Held until {rfc3339(held.expires_at)}.",
    }
    if held.appointment_id:
        resource["comment"] = f"Booked as Appointment/{booked_id(held.doctor_id, held.appointment_id)}."
    return resource


def proposed(doctor_id: str, doctor_name: str | None, slot: Slot, address: str) -> Resource:
    return {
        "resourceType": "Appointment",
        "id": proposed_id(doctor_id, slot.start, address),
        "status": "proposed",
        "start": rfc3339(slot.start),
        "end": rfc3339(slot.end),
        "minutesDuration": int((slot.end - slot.start).total_seconds() // 60),
        "participant": _participants(doctor_id, doctor_name, address, "needs-action"),
    }
