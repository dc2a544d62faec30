"""Holds: a slot reserved for a few minutes while a booking is completed elsewhere."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StrictInt, StringConstraints, computed_field, model_validator

from scheduling.models.base import Address, PatientId, StrictModel
from scheduling.models.time import SUPPORTED_RANGE, AcceptedInstant, Instant, on_own_clock

DEFAULT_HOLD_SECONDS = 300
HoldStatus = Literal["held", "expired", "released", "booked"]
HoldId = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class HoldPatient(StrictModel):
    """Whom a hold is for: only an id (details come with the booking)."""

    id: PatientId = Field(
        description="With it, the patient's time is taken while the hold lasts: no other booking or hold of the "
        "patient may overlap it."
    )


class HoldRequest(StrictModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"start": "2035-06-04T09:30:00-04:00", "location": "123 Main St", "ttl_seconds": 600}]
        },
    )

    start: AcceptedInstant = Field(
        description=f"A published slot start, RFC 3339 with an offset, from {SUPPORTED_RANGE}."
    )
    location: Address = Field(description="One of the locations the slot offers.")
    ttl_seconds: StrictInt = Field(DEFAULT_HOLD_SECONDS, ge=30, le=1800, description="How long the hold lasts.")
    patient: HoldPatient | None = None


class Hold(StrictModel):
    """A hold as answered. Its `id` is unguessable and is the capability to book or release it."""

    id: str
    doctor_id: str
    start: Instant
    end: Instant
    location: str
    timezone: str = Field(description="The doctor's time zone; `start` and `end` carry its offset.")
    status: HoldStatus = Field(description="`held` until `expires_at`, then `expired`; or `released`, `booked`.")
    expires_at: Instant
    created_at: Instant
    released_at: Instant | None = None
    appointment_id: str | None = Field(None, description="The appointment it became, once `booked`.")
    patient: HoldPatient | None = Field(
        None,
        description="The patient it was made for, if the request named one: the same shape as an appointment's "
        "`patient` (the id only). Absent when the request named none.",
        exclude_if=lambda patient: patient is None,
    )
    created_by: str | None = Field(None, description="The IAM principal that made it.")
    released_by: str | None = Field(None, description="The IAM principal that released it, once `released`.")

    def in_own_timezone(self) -> Hold:
        """Times with the doctor's offset at each instant, as the API answers them."""
        return self.model_copy(update=on_own_clock(self.start, self.end, self.timezone))

    @computed_field(  # type: ignore[prop-decorator]
        description="Deprecated: read `patient.id`. The patient it was made for, if the request named one.",
        json_schema_extra={"deprecated": True},
    )
    @property
    def patient_id(self) -> str | None:
        return self.patient.id if self.patient else None

    @model_validator(mode="before")
    @classmethod
    def _patient_from_id(cls, data: Any) -> Any:
        """A hold as answered before `patient` (an idempotent answer kept then) or as answered now (with both):
        `patient_id` is read into `patient`."""
        if not isinstance(data, dict) or "patient_id" not in data:
            return data
        fields = dict(data)
        patient_id = fields.pop("patient_id")
        if fields.get("patient") is None and patient_id is not None:
            fields["patient"] = {"id": patient_id}
        return fields
