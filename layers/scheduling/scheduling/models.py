"""Pydantic models: what the API accepts and answers. Stored records reuse them (see store.py)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import cache
from importlib import resources
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
    TypeAdapter,
)
from pydantic_core import PydanticCustomError

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[Weekday, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

MAX_INTERVALS_PER_DAY = 48
MAX_OVERRIDES = 400
MAX_LOCATIONS = 20


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


# Times and dates (docs/decisions.md, "Times"), defined once for request bodies, query parameters (through
# `parse_rfc3339` and `check_supported`), answers and stored records.
EARLIEST_INSTANT = datetime(1970, 1, 1, tzinfo=UTC)
END_OF_INSTANTS = datetime(9000, 1, 1, tzinfo=UTC)  # exclusive
EARLIEST_DATE = date(1970, 1, 1)
END_OF_DATES = date(9000, 1, 1)  # exclusive
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
RFC3339_EXAMPLE = "2035-06-04T09:30:00-04:00"
SUPPORTED_RANGE = f"{EARLIEST_INSTANT:%Y-%m-%dT%H:%M:%SZ} (included) to {END_OF_INSTANTS:%Y-%m-%dT%H:%M:%SZ} (excluded)"


def _rfc3339_text(value: object) -> object:
    """Only RFC 3339 text reaches pydantic's parser: no epoch numbers, no dates, no other layouts."""
    if isinstance(value, datetime):  # built by our own code; JSON never yields one
        return value
    if isinstance(value, str) and _RFC3339.fullmatch(value):
        return value
    raise PydanticCustomError(
        "rfc3339_date_time",
        "must be an RFC 3339 date-time string with an offset, e.g. {example}",
        {"example": RFC3339_EXAMPLE},
    )


def _supported_instant(value: datetime) -> datetime:
    # Aware datetimes compare without converting, so this cannot overflow near year 1 or 9999.
    if not EARLIEST_INSTANT <= value < END_OF_INSTANTS:
        raise PydanticCustomError("instant_out_of_range", "must be from {range}", {"range": SUPPORTED_RANGE})
    return value


def _iso_date_text(value: object) -> object:
    """A calendar date written YYYY-MM-DD; pydantic alone would also take epoch seconds and midnight date-times."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise PydanticCustomError("iso_date", "must be a date written YYYY-MM-DD")


def _supported_date(value: date) -> date:
    if not EARLIEST_DATE <= value < END_OF_DATES:
        raise PydanticCustomError(
            "date_out_of_range",
            "must be from {earliest} to {latest}",
            {"earliest": "1970-01-01", "latest": "8999-12-31"},
        )
    return value


# Every time the API reads or writes: RFC 3339 text with an offset. Answers and stored records use it as is
# (a slot or an appointment may *end* on the range's end), what a caller sends is also held to the range.
Instant = Annotated[AwareDatetime, BeforeValidator(_rfc3339_text)]
AcceptedInstant = Annotated[Instant, AfterValidator(_supported_instant)]
LocalDate = Annotated[date, BeforeValidator(_iso_date_text), AfterValidator(_supported_date)]
_ACCEPTED: TypeAdapter[datetime] = TypeAdapter(AcceptedInstant)
_INSTANT: TypeAdapter[datetime] = TypeAdapter(Instant)
_LOCAL_DATE: TypeAdapter[date] = TypeAdapter(LocalDate)


def parse_rfc3339(text: str) -> datetime:
    """RFC 3339 text in the supported range, exactly as a request body's time field is read.

    Raises pydantic's `ValidationError` (a `ValueError`) otherwise."""
    return _ACCEPTED.validate_python(text)


def parse_local_date(text: str) -> date:
    """A YYYY-MM-DD date in the supported range, as an override date is read; pydantic's `ValidationError` if not."""
    return _LOCAL_DATE.validate_python(text)


def check_supported(instant: datetime) -> datetime:
    """`instant` itself if it lies in the supported range; pydantic's `ValidationError` otherwise."""
    return _ACCEPTED.validate_python(instant)


def rfc3339(instant: datetime) -> str:
    """An instant as every response writes it (pydantic's serialiser: `Z` for a zero offset)."""
    text: str = _INSTANT.dump_python(instant, mode="json")
    return text


NOT_TIME_ZONES = frozenset({"Factory"})  # listed by tzdata, but a placeholder ("-00"), not a place


@cache
def _timezone_names() -> frozenset[str]:
    """Zone and link names of the IANA tz database as the `tzdata` package lists them, minus `Factory`.

    Host-independent: the host's zoneinfo directory (`localtime`, `posixrules`, `posix/...`, `right/...`) is
    never consulted, so a name is accepted or refused the same way on every machine and on Lambda.
    """
    listed = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8").split()
    return frozenset(listed) - NOT_TIME_ZONES


def _known_timezone(name: str) -> str:
    if name not in _timezone_names():
        raise PydanticCustomError(
            "iana_time_zone",
            "'{name}' is not an IANA time zone name (for example 'Europe/London')",
            {"name": name},
        )
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
DateOverrides = Annotated[dict[LocalDate, DayIntervals], Field(max_length=MAX_OVERRIDES)]


class DoctorIn(StrictModel):
    """A doctor as callers write it (POST and PUT bodies)."""

    name: Name = Field(examples=["Gregory House"])
    locations: Annotated[list[Address], Field(min_length=1, max_length=MAX_LOCATIONS), AfterValidator(_unique)] = Field(
        examples=[["123 Main St", "456 Central St"]]
    )
    timezone: TimeZoneName = Field(
        "UTC",
        description="A zone or link name of the IANA tz database (as the tzdata package lists it), not `Factory`.",
        examples=["America/New_York"],
    )
    slot_minutes: StrictInt = Field(30, ge=5, le=240, description="Length of every bookable slot, in minutes.")
    schedule: WeeklySchedule = Field(
        default_factory=dict,
        description="Opening hours per weekday; a weekday left out is closed.",
        examples=[{"monday": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]}],
    )
    overrides: DateOverrides = Field(
        default_factory=dict,
        description=(
            "Hours for specific local dates (1970-01-01 to 8999-12-31), replacing the weekly hours; "
            "an empty list closes the date."
        ),
        examples=[{"2026-12-24": [{"start": "09:00", "end": "12:00"}], "2026-12-25": []}],
    )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Doctor(DoctorIn):
    """A stored doctor; `version` drives optimistic concurrency and is sent as the ETag, not in the body."""

    id: str
    # Read back from DynamoDB, numbers are Decimal: the stored record is not held to JSON's integer rule.
    slot_minutes: int = Field(30, ge=5, le=240, description="Length of every bookable slot, in minutes.")
    created_at: Instant
    updated_at: Instant
    version: int = Field(1, exclude=True)


class DoctorsPage(StrictModel):
    items: list[Doctor]
    next_token: str | None = Field(description="Pass as `next_token` to read the next page; null on the last page.")


class Slot(StrictModel):
    start: Instant
    end: Instant


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

    start: AcceptedInstant = Field(
        description=f"A published slot start, RFC 3339 with an offset, from {SUPPORTED_RANGE}."
    )
    location: Address
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


class CancelRequest(StrictModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "Patient called to cancel"}]})

    reason: Annotated[str, StringConstraints(max_length=500)] | None = None


AppointmentStatus = Literal["booked", "cancelled"]


class Appointment(StrictModel):
    id: str
    doctor_id: str
    location: str
    start: Instant
    end: Instant
    status: AppointmentStatus
    timezone: str = Field(description="The doctor's time zone; `start` and `end` carry its offset.")
    patient: Patient | None = None
    created_at: Instant
    cancelled_at: Instant | None = None
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
