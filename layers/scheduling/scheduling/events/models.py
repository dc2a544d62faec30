"""The CloudEvents 1.0 envelope (carried as EventBridge `detail`) and the `data` of every event type.

`data` holds ids, times (RFC 3339, UTC), statuses, locations and a patient's id when one was given; never a
patient's name, a cancel reason or other free text. docs/events/*.schema.json are generated from these models
(`python -m tools.event_schemas`; a test fails when they are stale).
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

SOURCE: Literal["org.hospital.scheduling"] = "org.hospital.scheduling"
TYPE_PREFIX = f"{SOURCE}."

# Times in `data` and `time`: RFC 3339 in UTC with `Z`, whole seconds or more as stored.
UtcTime = Annotated[
    AwareDatetime,
    PlainSerializer(lambda value: value.isoformat().replace("+00:00", "Z"), return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


class EventData(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    doctor_id: str
    by: str | None = Field(
        None,
        description="The IAM principal ARN that made the change, as the record names it (the appointment's history, "
        "a hold's `created_by`/`released_by`, a doctor's `created_by`/`updated_by`); absent when no caller made it "
        "(hold.expired) or the record does not name one (hold.converted: see appointment.booked; doctor.deleted).",
    )
    on_behalf_of: str | None = Field(
        None, description="Appointments: the person a trusted service acted for (`X-Acting-User`), if named."
    )


class DoctorData(EventData):
    """The doctor as an integrator needs to route by it; the schedule itself is read from the API."""

    version: int = Field(description="The profile's version after the change (before it, for doctor.deleted).")
    name: str
    timezone: str
    locations: list[str]
    changed: list[str] = Field(
        default_factory=list,
        description="doctor.updated: the profile fields whose values changed (e.g. `schedule`, `locations`).",
    )


class HoldData(EventData):
    hold_id: str
    start: UtcTime
    end: UtcTime
    expires_at: UtcTime = Field(description="The truth about expiry: a hold is void from this instant on.")
    status: Literal["held", "released", "booked", "expired"]
    location: str | None = Field(None, description="Absent on hold.expired (the slot claim does not carry it).")
    appointment_id: str | None = Field(None, description="hold.converted: the appointment the hold became.")
    patient_id: str | None = None


class AppointmentData(EventData):
    appointment_id: str
    status: Literal["booked", "checked_in", "completed", "no_show", "cancelled"]
    start: UtcTime
    end: UtcTime
    location: str
    patient_id: str | None = None
    hold_id: str | None = Field(None, description="appointment.booked: the hold it was converted from, if any.")
    previous_appointment_id: str | None = Field(
        None, description="appointment.rescheduled: the appointment this one replaces (now cancelled)."
    )
    previous_start: UtcTime | None = Field(None, description="appointment.rescheduled: when the old one started.")


class ReminderData(AppointmentData):
    minutes_before: int = Field(description="The doctor's reminder offset (`rules.reminders_minutes`) it is for.")
    due_at: UtcTime = Field(description="`start` minus `minutes_before`: when the reminder fell due.")


class SeriesData(EventData):
    series_id: str
    appointment_ids: list[str] = Field(description="The series' appointments, in time order.")
    starts: list[UtcTime]
    location: str
    patient_id: str | None = None


class WaitlistData(EventData):
    entry_id: str
    patient_id: str
    status: Literal["waiting", "offered", "booked"]
    hold_id: str | None = Field(None, description="The hold offered: book it with `POST .../appointments`.")
    offered_start: UtcTime | None = Field(None, description="The start of the slot offered.")
    offer_expires_at: UtcTime | None = None
    appointment_id: str | None = Field(None, description="waitlist.booked: the appointment booked from the offer.")


DataT = TypeVar("DataT", bound=EventData)


class CloudEvent(BaseModel, Generic[DataT]):
    """A CloudEvents 1.0 event in structured mode (JSON). `sequence` and `partitionkey` are the CloudEvents
    sequence and partitioning extensions: the stream's order within one doctor, and the doctor."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(description="Stable per change: a redelivered event has the same id (de-duplicate on it).")
    source: Literal["org.hospital.scheduling"] = SOURCE
    type: str
    subject: str
    time: UtcTime = Field(description="When DynamoDB committed the change (the stream record's time).")
    datacontenttype: Literal["application/json"] = "application/json"
    sequence: str = Field(
        description="Orders the events of one doctor: compare as text (fixed width, from the stream's order)."
    )
    partitionkey: str = Field(description="The doctor id: events with one partition key are published in order.")
    data: DataT


# Event type (without the prefix) -> the model of its `data`.
EVENT_TYPES: dict[str, type[EventData]] = {
    "doctor.created": DoctorData,
    "doctor.updated": DoctorData,
    "doctor.deleted": DoctorData,
    "hold.created": HoldData,
    "hold.released": HoldData,
    "hold.converted": HoldData,
    "hold.expired": HoldData,
    "appointment.booked": AppointmentData,
    "appointment.rescheduled": AppointmentData,
    "appointment.cancelled": AppointmentData,
    "appointment.checked_in": AppointmentData,
    "appointment.completed": AppointmentData,
    "appointment.no_show": AppointmentData,
    "appointment.reminder_due": ReminderData,
    "appointment.series_booked": SeriesData,
    "waitlist.offered": WaitlistData,
    "waitlist.booked": WaitlistData,
    "waitlist.expired": WaitlistData,
}

AnyEvent = CloudEvent[Any]


def full_type(short: str) -> str:
    return f"{TYPE_PREFIX}{short}"
