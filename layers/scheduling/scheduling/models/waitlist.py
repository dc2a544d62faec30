"""A waitlist entry: a patient waiting for a slot of one doctor in a window; offered a freed slot as a hold."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from scheduling.models.base import Address, StrictModel
from scheduling.models.holds import HoldPatient
from scheduling.models.time import AcceptedInstant, Instant

MAX_WAIT_WINDOW_DAYS = 31
WaitlistStatus = Literal["waiting", "offered", "booked", "removed"]


class WaitlistRequest(StrictModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"patient": {"id": "p-123"}, "from": "2035-06-04T08:00:00-04:00", "to": "2035-06-11T18:00:00-04:00"}
            ]
        },
    )

    patient: HoldPatient
    from_: AcceptedInstant = Field(alias="from", description="The window's start: in the future.")
    to: AcceptedInstant = Field(description=f"The window's end: after `from`, at most {MAX_WAIT_WINDOW_DAYS} days on.")
    location: Address | None = Field(None, description="Only slots at this location; any of the doctor's if left out.")


class WaitlistEntry(StrictModel):
    """`waiting` until a freed slot is offered (`offered`, with the hold to convert), then `booked` once the hold
    is converted; an offer that expires or is released puts the entry back to `waiting`, keeping its place."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: str
    doctor_id: str
    patient_id: str
    from_: Instant = Field(alias="from", serialization_alias="from")
    to: Instant
    location: str | None = None
    status: WaitlistStatus
    joined_at: Instant
    hold_id: str | None = Field(None, description="The hold offered, while `offered` (and kept once `booked`).")
    offer_expires_at: Instant | None = None
    offered_start: Instant | None = Field(None, description="The start of the slot last offered.")
    appointment_id: str | None = Field(None, description="The appointment booked from the offer.")
    removed_at: Instant | None = None


class WaitlistPage(StrictModel):
    items: list[WaitlistEntry]
    next_token: str | None
