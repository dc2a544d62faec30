"""Pydantic models: what the API accepts and answers. Stored records reuse them (see store.py)."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, available_timezones

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[Weekday, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

MAX_INTERVALS_PER_DAY = 48
MAX_OVERRIDES = 400
MAX_LOCATIONS = 20


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


@cache
def _timezone_names() -> frozenset[str]:
    # Scans the tz database once per container; ZoneInfo(name) alone would accept file paths.
    return frozenset(available_timezones())


def _known_timezone(name: str) -> str:
    if name not in _timezone_names():
        raise ValueError(f"'{name}' is not an IANA time zone name (for example 'Europe/London')")
    return name


def _unique(values: list[str]) -> list[str]:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"'{value}' is listed twice")
        seen.add(value)
    return values


Name = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_not_blank)]
Address = Annotated[str, StringConstraints(min_length=1, max_length=300), AfterValidator(_not_blank)]
TimeZoneName = Annotated[str, StringConstraints(max_length=64), AfterValidator(_known_timezone)]
ClockTime = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
ClosingTime = Annotated[str, StringConstraints(pattern=r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$")]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Interval(StrictModel):
    """Opening hours on one local date, in wall-clock time: `[start, end)`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: ClockTime = Field(examples=["09:00"])
    end: ClosingTime = Field(description="`24:00` means midnight at the end of the day.", examples=["12:00"])

    @property
    def start_minute(self) -> int:
        return _minutes(self.start)

    @property
    def end_minute(self) -> int:
        return _minutes(self.end)


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


DayIntervals = Annotated[list[Interval], Field(max_length=MAX_INTERVALS_PER_DAY)]
WeeklySchedule = dict[Weekday, DayIntervals]
DateOverrides = Annotated[dict[date, DayIntervals], Field(max_length=MAX_OVERRIDES)]


class DoctorIn(StrictModel):
    """A doctor as callers write it (POST and PUT bodies)."""

    name: Name = Field(examples=["Gregory House"])
    locations: Annotated[list[Address], Field(min_length=1, max_length=MAX_LOCATIONS), AfterValidator(_unique)] = Field(
        examples=[["123 Main St", "456 Central St"]]
    )
    timezone: TimeZoneName = Field("UTC", examples=["America/New_York"])
    slot_minutes: int = Field(30, ge=5, le=240, description="Length of every bookable slot, in minutes.")
    schedule: WeeklySchedule = Field(
        default_factory=dict,
        description="Opening hours per weekday; a weekday left out is closed.",
        examples=[{"monday": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]}],
    )
    overrides: DateOverrides = Field(
        default_factory=dict,
        description="Hours for specific local dates, replacing the weekly hours; an empty list closes the date.",
        examples=[{"2026-12-24": [{"start": "09:00", "end": "12:00"}], "2026-12-25": []}],
    )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Doctor(DoctorIn):
    """A stored doctor; `version` drives optimistic concurrency and is sent as the ETag, not in the body."""

    id: str
    created_at: AwareDatetime
    updated_at: AwareDatetime
    version: int = Field(1, exclude=True)


class DoctorsPage(StrictModel):
    items: list[Doctor]
    next_token: str | None = Field(description="Pass as `next_token` to read the next page; null on the last page.")


class Slot(StrictModel):
    start: AwareDatetime
    end: AwareDatetime


class SlotsPage(StrictModel):
    items: list[Slot]


class Patient(StrictModel):
    id: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None


class BookingRequest(StrictModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "start": "2035-06-04T09:30:00-04:00",
                    "location": "123 Main St",
                    "patient": {"id": "p-123", "name": "Ada Lovelace"},
                }
            ]
        },
    )

    start: AwareDatetime = Field(description="A published slot start, RFC 3339 with an offset.")
    location: Address
    patient: Patient | None = None


class RescheduleRequest(StrictModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"start": "2035-06-04T10:30:00-04:00", "location": "456 Central St"}]},
    )

    start: AwareDatetime
    location: Address | None = Field(None, description="Defaults to the location of the appointment it replaces.")


class CancelRequest(StrictModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "Patient called to cancel"}]})

    reason: Annotated[str, StringConstraints(max_length=500)] | None = None


AppointmentStatus = Literal["booked", "cancelled"]


class Appointment(StrictModel):
    id: str
    doctor_id: str
    location: str
    start: AwareDatetime
    end: AwareDatetime
    status: AppointmentStatus
    timezone: str = Field(description="The doctor's time zone; `start` and `end` carry its offset.")
    patient: Patient | None = None
    created_at: AwareDatetime
    cancelled_at: AwareDatetime | None = None
    cancel_reason: str | None = None
    replaces: str | None = Field(None, description="Id of the appointment this one was rescheduled from.")
    replaced_by: str | None = Field(None, description="Id of the appointment this one was rescheduled to.")

    def in_own_timezone(self) -> Appointment:
        """Times with the doctor's offset at each instant, as the API answers them."""
        zone = ZoneInfo(self.timezone)
        return self.model_copy(update={"start": self.start.astimezone(zone), "end": self.end.astimezone(zone)})


class AppointmentsPage(StrictModel):
    items: list[Appointment]
    next_token: str | None
