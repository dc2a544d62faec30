"""DynamoDB stream records as Lambda delivers them (NEW_AND_OLD_IMAGES), built from items as the store writes
them, so the mapping is tested on real item shapes."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from scheduling.models import Appointment, Doctor, Hold, Patient
from scheduling.store.items import booked_item, cancelled_item, doctor_item, hold_lock_item, hold_record_item

TTL_IDENTITY = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
_SEQUENCE = itertools.count(4_000_000_000_000_000_000)
DOCTOR_ID = "0f8fad5bd9cb469fa16570867728950e"
START = datetime(2035, 6, 4, 13, 30, tzinfo=UTC)
NOW = datetime(2035, 6, 1, 12, 0, tzinfo=UTC)


def record(old: dict[str, Any] | None, new: dict[str, Any] | None, *, by_ttl: bool = False) -> dict[str, Any]:
    image = new if new is not None else old
    assert image is not None
    stream: dict[str, Any] = {
        "ApproximateCreationDateTime": NOW.timestamp(),
        "Keys": {"PK": image["PK"], "SK": image["SK"]},
        "SequenceNumber": str(next(_SEQUENCE)),
        "SizeBytes": 100,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if old is not None:
        stream["OldImage"] = old
    if new is not None:
        stream["NewImage"] = new
    name = "INSERT" if old is None else "REMOVE" if new is None else "MODIFY"
    found = {
        "eventID": f"record-{stream['SequenceNumber']}",
        "eventName": name,
        "eventSource": "aws:dynamodb",
        "eventVersion": "1.1",
        "awsRegion": "us-east-1",
        "dynamodb": stream,
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/SchedulingTable/stream/2035-01-01",
    }
    if by_ttl:
        found["userIdentity"] = TTL_IDENTITY
    return found


def doctor(**fields: Any) -> Doctor:
    values: dict[str, Any] = {
        "id": DOCTOR_ID,
        "name": "Gregory House",
        "locations": ["123 Main St", "456 Central St"],
        "timezone": "America/New_York",
        "schedule": {"monday": [{"start": "09:00", "end": "12:00"}]},
        "created_at": NOW,
        "updated_at": NOW,
        "version": 1,
        **fields,
    }
    return Doctor.model_validate(values)


def appointment(start: datetime = START, **fields: Any) -> Appointment:
    values: dict[str, Any] = {
        "id": f"{start.strftime('%Y%m%dT%H%M%SZ')}-0123456789ab",
        "doctor_id": DOCTOR_ID,
        "location": "123 Main St",
        "start": start,
        "end": start + timedelta(minutes=30),
        "status": "booked",
        "timezone": "America/New_York",
        "patient": Patient(id="p-123", name="Ada Lovelace"),
        "created_at": NOW,
        **fields,
    }
    return Appointment.model_validate(values)


def hold(hold_id: str = "20350604T133000Z-4f1c0a9e2b7d4c18a3e5f6071829304a", **fields: Any) -> Hold:
    values: dict[str, Any] = {
        "id": hold_id,
        "doctor_id": DOCTOR_ID,
        "start": START,
        "end": START + timedelta(minutes=30),
        "location": "123 Main St",
        "timezone": "America/New_York",
        "status": "held",
        "expires_at": NOW + timedelta(minutes=5),
        "created_at": NOW,
        **fields,
    }
    return Hold.model_validate(values)


__all__ = [
    "booked_item",
    "cancelled_item",
    "doctor_item",
    "hold_lock_item",
    "hold_record_item",
]
