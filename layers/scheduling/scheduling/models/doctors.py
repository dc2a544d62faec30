"""Doctors as callers write them and as the API answers them, with their weekly hours and date overrides."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, ConfigDict, Field, StrictInt, StringConstraints
from pydantic_core import PydanticCustomError

from scheduling.models.base import Address, Name, StrictModel
from scheduling.models.time import Instant, LocalDate

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[Weekday, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

MAX_INTERVALS_PER_DAY = 48
MAX_OVERRIDES = 400
MAX_LOCATIONS = 20
MAX_SPECIALTIES = 20


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


def _unique_ignoring_case(values: list[str]) -> list[str]:
    seen: set[str] = set()
    for value in values:
        if value.casefold() in seen:
            raise ValueError(f"'{value}' is listed twice (specialties compare without case)")
        seen.add(value.casefold())
    return values


# A short code or word ("cardiology", "ENT", "paediatric-surgery"); searched without regard to case.
Specialty = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9]([A-Za-z0-9 ._-]*[A-Za-z0-9])?$")
]

# The pattern only tells clients the alphabet of tz names; the list itself decides (`_known_timezone`).
TIME_ZONE_PATTERN = r"^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$"
TimeZoneName = Annotated[
    str,
    StringConstraints(max_length=64),
    AfterValidator(_known_timezone),
    Field(json_schema_extra={"pattern": TIME_ZONE_PATTERN}),
]
ClockTime = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
ClosingTime = Annotated[str, StringConstraints(pattern=r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$")]


def _unique_tuple(values: tuple[str, ...]) -> tuple[str, ...]:
    _unique(list(values))
    return values


# A tuple keeps `Interval` frozen and hashable; JSON arrays validate into it and it answers as an array.
SessionLocations = Annotated[
    tuple[Address, ...], Field(min_length=1, max_length=MAX_LOCATIONS), AfterValidator(_unique_tuple)
]


class Interval(StrictModel):
    """Opening hours on one local date, in wall-clock time: `[start, end)`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: ClockTime = Field(examples=["09:00"])
    end: ClosingTime = Field(description="`24:00` means midnight at the end of the day.", examples=["12:00"])
    locations: SessionLocations | None = Field(
        None,
        exclude_if=lambda value: value is None,
        description=(
            "Where this session is held: some of the doctor's `locations`, each once. "
            "Left out, the session is bookable at every location of the doctor."
        ),
        examples=[["123 Main St"]],
    )

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


class BookingRules(StrictModel):
    """A doctor's booking policy. Every field is optional; the defaults impose nothing."""

    min_notice_minutes: StrictInt = Field(
        0, ge=0, le=525600, description="Slots starting sooner than now plus this many minutes are not bookable."
    )
    horizon_days: StrictInt | None = Field(
        None,
        ge=1,
        le=730,
        description="Slots starting more than this many days (of 24 hours) after now are not bookable; null: no limit.",
    )
    buffer_minutes: StrictInt = Field(
        0, ge=0, le=240, description="Free minutes after each slot inside a session: the grid is slot, gap, slot, ..."
    )
    max_per_day: StrictInt | None = Field(
        None, ge=1, le=500, description="At most this many appointments per local day; null: no limit."
    )
    cancel_cutoff_minutes: StrictInt = Field(
        0,
        ge=0,
        le=10080,
        description="Cancelling or rescheduling is refused later than this many minutes before start.",
    )
    reminders_minutes: Annotated[list[Annotated[StrictInt, Field(ge=1, le=20160)]], Field(max_length=3)] = Field(
        default_factory=list,
        description="Up to 3 offsets (minutes, 1-20160): an `appointment.reminder_due` event is published this long "
        "before each booked appointment's start; none by default.",
    )
    waitlist_offer_ttl_seconds: StrictInt | None = Field(
        None, ge=30, le=86400, description="How long a waitlist offer (a hold) lasts; null: the default hold TTL."
    )


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
    specialties: Annotated[
        list[Specialty], Field(max_length=MAX_SPECIALTIES), AfterValidator(_unique_ignoring_case)
    ] = Field(
        default_factory=list,
        description=(
            "What the doctor practises, as short codes or words (letters, digits, and inner spaces, dots, hyphens "
            "or underscores; at most 64 characters each, 20 in all). `GET /slots?specialty=` finds them, ignoring case."
        ),
        examples=[["cardiology", "internal-medicine"]],
    )
    rules: BookingRules = Field(
        default_factory=BookingRules,
        description="Booking rules (notice, horizon, buffer, daily cap, cancellation cut-off); all optional.",
        examples=[{"min_notice_minutes": 120, "horizon_days": 90, "cancel_cutoff_minutes": 1440}],
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
    created_by: str | None = Field(None, description="The IAM principal that created it.")
    updated_by: str | None = Field(None, description="The IAM principal that last changed it.")
    version: int = Field(1, exclude=True)


class DoctorsPage(StrictModel):
    items: list[Doctor]
    next_token: str | None = Field(description="Pass as `next_token` to read the next page; null on the last page.")


class Slot(StrictModel):
    start: Instant
    end: Instant
    locations: list[str] = Field(description="Where this slot can be booked: its session's locations.")


class SlotsPage(StrictModel):
    items: list[Slot]


class DoctorSlot(StrictModel):
    """A free slot found across doctors: whose it is, when, and where it can be booked."""

    doctor_id: str
    doctor_name: str
    start: Instant
    end: Instant
    locations: list[str] = Field(description="Where this slot can be booked: its session's locations.")


class DoctorSlotsPage(StrictModel):
    items: list[DoctorSlot] = Field(description="Ascending by start, then by doctor id.")
    next_token: str | None = Field(description="Pass as `next_token` to read the next page; null on the last page.")


# PATCH /doctors/{id} takes a JSON merge patch (RFC 7396): the route reads it as a JSON object, merges it into the
# stored doctor and validates the result as `DoctorIn`, so a field the doctor does not have is refused (422).
# These models only describe that body in the OpenAPI document: `null` removes a member (back to its default),
# which `name` and `locations` cannot lose; `schedule`, `overrides` and `rules` are merged member by member. As
# RFC 7396 says, removing a member that is not there changes nothing: an unknown member is accepted only as `null`.


class _MergePatch(StrictModel):
    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, None] = Field(init=False)


class BookingRulesPatch(_MergePatch):
    """Members of `rules` to set, or to reset to their default with `null`."""

    min_notice_minutes: Annotated[StrictInt, Field(ge=0, le=525600)] | None = None
    horizon_days: Annotated[StrictInt, Field(ge=1, le=730)] | None = None
    buffer_minutes: Annotated[StrictInt, Field(ge=0, le=240)] | None = None
    max_per_day: Annotated[StrictInt, Field(ge=1, le=500)] | None = None
    cancel_cutoff_minutes: Annotated[StrictInt, Field(ge=0, le=10080)] | None = None
    reminders_minutes: Annotated[list[Annotated[StrictInt, Field(ge=1, le=20160)]], Field(max_length=3)] | None = None
    waitlist_offer_ttl_seconds: Annotated[StrictInt, Field(ge=30, le=86400)] | None = None


class WeeklySchedulePatch(_MergePatch):
    """Weekdays to set, or to close with `null`."""

    monday: DayIntervals | None = None
    tuesday: DayIntervals | None = None
    wednesday: DayIntervals | None = None
    thursday: DayIntervals | None = None
    friday: DayIntervals | None = None
    saturday: DayIntervals | None = None
    sunday: DayIntervals | None = None


class DoctorPatch(_MergePatch):
    """A JSON merge patch (RFC 7396) of a doctor: the fields of `DoctorIn` to change, `null` to remove one (it
    takes its default). The patched doctor must be valid as a whole."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [{"slot_minutes": 15, "rules": {"horizon_days": 60}, "schedule": {"saturday": []}}]
        },
    )

    # Not nullable (removing them leaves an invalid doctor), yet optional: the default is never validated here.
    name: Name = Field(None, description="Cannot be removed.")  # type: ignore[assignment]
    locations: Annotated[list[Address], Field(min_length=1, max_length=MAX_LOCATIONS)] = Field(
        None,  # type: ignore[arg-type]
        description="The whole list, replaced; cannot be removed.",
    )
    timezone: TimeZoneName | None = None
    slot_minutes: Annotated[StrictInt, Field(ge=5, le=240)] | None = None
    schedule: WeeklySchedulePatch | None = None
    overrides: dict[str, DayIntervals | None] | None = Field(
        None,
        description="Local dates (YYYY-MM-DD, 1970-01-01 to 8999-12-31) to set, or to give back to the weekly "
        "hours with `null`.",
    )
    specialties: Annotated[list[Specialty], Field(max_length=MAX_SPECIALTIES)] | None = None
    rules: BookingRulesPatch | None = None
