"""Who made a change: the caller's IAM principal, and the person a trusted service acts for.

The HTTP edge builds an `Actor` from the request context and the `X-Acting-User` header; the service writes it
into the records it changes (an appointment's `history`, a hold's `created_by`, a doctor's `updated_by`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import Field

from scheduling.models.base import StrictModel
from scheduling.models.time import Instant

LOCAL_PRINCIPAL = "arn:aws:iam::123456789012:user/local-developer"


@dataclass(frozen=True)
class Actor:
    """`by`: the caller's IAM principal ARN (API Gateway's `requestContext.identity.userArn`); `on_behalf_of`:
    the person a trusted service acts for (`X-Acting-User`), never taken from a body."""

    by: str
    on_behalf_of: str | None = None


HistoryStatus = Literal["booked", "checked_in", "completed", "no_show", "cancelled", "rescheduled"]


class HistoryEntry(StrictModel):
    """One change of an appointment, written in the same write as the change."""

    status: HistoryStatus
    at: Instant
    by: str = Field(description="The caller's IAM principal ARN.")
    on_behalf_of: str | None = Field(None, description="The person a trusted service acted for (`X-Acting-User`).")

    @classmethod
    def of(cls, status: HistoryStatus, at: datetime, actor: Actor) -> HistoryEntry:
        return cls(status=status, at=at, by=actor.by, on_behalf_of=actor.on_behalf_of)
