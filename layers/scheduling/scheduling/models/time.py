"""Times and dates as the API reads and writes them: RFC 3339 text with an offset, in the supported range."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, TypeAdapter, WithJsonSchema
from pydantic_core import PydanticCustomError

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
# The instant the OpenAPI document's examples are written for: a doctor made from `DoctorIn`'s examples, then
# each request body's example, succeeds with the clock here (tests/functional/test_openapi_examples.py).
EXAMPLES_AS_OF = datetime(2035, 6, 1, 12, tzinfo=UTC)
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


# What the published document says of an accepted instant (JSON Schema has no range for `date-time`): the
# layout `_rfc3339_text` accepts, with the years of the supported range; 1969-12-31 and 9000-01-01 pass too, as
# an offset may bring them into the range (the descriptions state it exactly). A `LocalDate` is only ever a key
# of `overrides`, where a pattern would become `patternProperties`; its range is in that field's description.
_YEARS = "(19[7-9][0-9]|[2-8][0-9]{3})"
ACCEPTED_INSTANT_SCHEMA = {
    "type": "string",
    "format": "date-time",
    "pattern": rf"^({_YEARS}-[0-9]{{2}}-[0-9]{{2}}|1969-12-31|9000-01-01)[Tt ][0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}"
    r"(\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})$",
}
# A plain date where one is accepted as a time (a query bound: midnight in the doctor's zone), in the years of the
# supported range; whether that midnight lies in the range depends on the zone, as the descriptions state.
ACCEPTED_DATE_SCHEMA = {"type": "string", "format": "date", "pattern": rf"^{_YEARS}-[0-9]{{2}}-[0-9]{{2}}$"}


# Every time the API reads or writes: RFC 3339 text with an offset. Answers and stored records use it as is
# (a slot or an appointment may *end* on the range's end), what a caller sends is also held to the range.
Instant = Annotated[AwareDatetime, BeforeValidator(_rfc3339_text)]
AcceptedInstant = Annotated[
    Instant, AfterValidator(_supported_instant), WithJsonSchema(ACCEPTED_INSTANT_SCHEMA, mode="validation")
]
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


@dataclass(frozen=True)
class TimeBound:
    """A `from` or `to` as a caller gave it: an instant, or a calendar day, which means its midnight in the zone
    of the doctor the query is about (the domain resolves it: `scheduling.domain.windows`). Exactly one is set."""

    instant: datetime | None = None
    day: date | None = None

    def __post_init__(self) -> None:
        if (self.instant is None) == (self.day is None):
            raise ValueError("a TimeBound is an instant or a day")

    def at(self, zone: tzinfo) -> datetime:
        """The instant itself, or the day's midnight in `zone` (not checked against the supported range)."""
        if self.instant is not None:
            return self.instant
        assert self.day is not None  # __post_init__
        return datetime.combine(self.day, time(0), tzinfo=zone)


def on_own_clock(start: datetime, end: datetime, timezone: str) -> dict[str, datetime]:
    """`start` and `end` with the offset `timezone` has at each instant, as the API answers a booked or held
    slot: the update for a record's `model_copy`."""
    zone = ZoneInfo(timezone)
    return {"start": start.astimezone(zone), "end": end.astimezone(zone)}
