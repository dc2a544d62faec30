"""Appointments: booking, rescheduling and cancelling requests, and the appointment as answered and stored."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from scheduling.models.actor import HistoryEntry
from scheduling.models.base import Address, PatientId, PatientName, StrictModel
from scheduling.models.holds import HoldId
from scheduling.models.time import SUPPORTED_RANGE, AcceptedInstant, Instant, on_own_clock


class Patient(StrictModel):
    id: PatientId | None = Field(
        None, description="1-100 of letters, digits, `.`, `_`, `~`, `:`, `@`, `-`, starting with a letter or digit."
    )
    name: PatientName | None = None


class NamedPatient(StrictModel):
    """The patient a reschedule names: the appointment's own (the shape bookings take, its `id` required)."""

    id: PatientId = Field(
        description="The appointment's patient id; 1-100 of letters, digits, `.`, `_`, `~`, `:`, `@`, `-`, "
        "starting with a letter or digit."
    )
    name: PatientName | None = Field(None, description="Not compared: the id names the patient.")


class BookingRequest(StrictModel):
    """Either a slot (`start` and `location`, both required then) or a hold to convert (`hold_id`)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "start": "2035-06-04T09:30:00-04:00",
                    "location": "123 Main St",
                    "patient": {"id": "p-123", "name": "Ada Lovelace"},
                },
                {"hold_id": "20350604T133000Z-4f1c0a9e2b7d4c18a3e5f6071829304a", "patient": {"id": "p-123"}},
            ]
        },
    )

    start: AcceptedInstant | None = Field(
        None, description=f"A published slot start, RFC 3339 with an offset, from {SUPPORTED_RANGE}."
    )
    location: Address | None = Field(None, description="One of the locations the slot offers.")
    hold_id: HoldId | None = Field(
        None, description="Book the slot this unexpired hold reserves; `start` and `location`, if given, must match it."
    )
    patient: Patient | None = None


class RescheduleRequest(StrictModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"start": "2035-06-04T10:30:00-04:00", "location": "456 Central St"}]},
    )

    start: AcceptedInstant = Field(
        description=f"A published slot start, RFC 3339 with an offset, from {SUPPORTED_RANGE}."
    )
    location: Address | None = Field(None, description="Defaults to the location of the appointment it replaces.")
    patient: NamedPatient | None = Field(
        None,
        description="The appointment's patient, if the caller knows it: the patient's time is then looked at "
        "together with the doctor's (two database rounds instead of three). An appointment not booked for this "
        "patient is not moved (409 `patient-mismatch`).",
    )


class CancelRequest(StrictModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "Patient called to cancel"}]})

    reason: Annotated[str, StringConstraints(max_length=500)] | None = None


AppointmentStatus = Literal["booked", "checked_in", "completed", "no_show", "cancelled"]


class Appointment(StrictModel):
    id: str
    doctor_id: str
    location: str
    start: Instant
    end: Instant
    status: AppointmentStatus
    timezone: str = Field(
        description="The doctor's time zone when booked; `start` and `end` carry its offset at that instant."
    )
    patient: Patient | None = None
    created_at: Instant
    hold_id: str | None = Field(None, description="The hold this appointment was converted from.")
    checked_in_at: Instant | None = None
    completed_at: Instant | None = None
    no_show_at: Instant | None = None
    cancelled_at: Instant | None = None
    cancel_reason: str | None = None
    replaces: str | None = Field(None, description="Id of the appointment this one was rescheduled from.")
    replaced_by: str | None = Field(None, description="Id of the appointment this one was rescheduled to.")
    series_id: str | None = Field(None, description="The series (course of appointments) it was booked in.")
    history: list[HistoryEntry] = Field(
        default_factory=list,
        description="Every change, oldest first, with who made it (written with the change itself). An appointment "
        "made by a reschedule starts with the history of the one it replaces.",
    )

    @property
    def patient_id(self) -> str | None:
        return self.patient.id if self.patient else None

    def in_own_timezone(self) -> Appointment:
        """Times with the doctor's offset at each instant, as the API answers them."""
        return self.model_copy(update=on_own_clock(self.start, self.end, self.timezone))


class AppointmentsPage(StrictModel):
    items: list[Appointment]
    next_token: str | None
