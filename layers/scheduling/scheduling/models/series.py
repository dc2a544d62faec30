"""A course of appointments booked at once: the request (explicit starts, or a first start repeated) and answer."""

from __future__ import annotations

from pydantic import ConfigDict, Field, StrictInt

from scheduling.models.appointments import Appointment, Patient
from scheduling.models.base import Address, StrictModel
from scheduling.models.time import SUPPORTED_RANGE, AcceptedInstant

# Where 12 comes from: scheduling.domain.series (one transaction of at most 3n + 3 of DynamoDB's 100 items).
SERIES_MIN = 2
SERIES_MAX = 12


class SeriesRequest(StrictModel):
    """Either `starts`, or `first`, `every_days` and `count`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "starts": ["2035-06-04T09:30:00-04:00", "2035-06-11T09:30:00-04:00"],
                    "location": "123 Main St",
                    "patient": {"id": "p-123"},
                },
                {
                    "first": "2035-06-04T09:30:00-04:00",
                    "every_days": 7,
                    "count": 6,
                    "location": "123 Main St",
                    "patient": {"id": "p-123"},
                },
            ]
        },
    )

    starts: list[AcceptedInstant] | None = Field(
        None,
        min_length=SERIES_MIN,
        max_length=SERIES_MAX,
        description=f"{SERIES_MIN}-{SERIES_MAX} published slot starts, RFC 3339 with an offset, "
        f"from {SUPPORTED_RANGE}.",
    )
    first: AcceptedInstant | None = Field(None, description="The first start, repeated `count` times.")
    every_days: StrictInt | None = Field(
        None, ge=1, le=365, description="Local calendar days between starts; the local wall time is kept."
    )
    count: StrictInt | None = Field(None, ge=SERIES_MIN, le=SERIES_MAX, description="How many appointments.")
    location: Address = Field(description="One of the locations every slot offers.")
    patient: Patient | None = None


class Series(StrictModel):
    """The series' appointments, in time order; each carries `series_id`."""

    series_id: str
    appointments: list[Appointment]
