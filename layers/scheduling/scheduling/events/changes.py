"""A DynamoDB stream record as a `Change`: the stored record before and after (decoded by the store's codec,
`store/stream.py`), whether TTL deleted it, and when.

Lambda's DynamoDB stream event and the stream API (GetRecords) carry the same record; only the creation time
differs in form (epoch seconds in Lambda's event, a timestamp through the SDK), so both are accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from scheduling.store.stream import Bookkeeping, StoredRecord, record_of

# How DynamoDB marks a deletion made by Time to Live in the stream record.
TTL_PRINCIPAL = "dynamodb.amazonaws.com"
SEQUENCE_WIDTH = 40  # stream sequence numbers are decimal strings of up to 40 digits


@dataclass(frozen=True)
class Change:
    event_id: str  # the stream record's id: the same on every redelivery of this record
    sequence: str  # the record's sequence number, zero-padded so that text order is stream order
    name: Literal["INSERT", "MODIFY", "REMOVE"]
    old: StoredRecord | None  # None: the item did not exist before (INSERT)
    new: StoredRecord | None  # None: the item is gone (REMOVE)
    by_ttl: bool
    at: datetime

    @property
    def record(self) -> StoredRecord:
        """The record as it is now, or as it was before it was deleted (bookkeeping if the stream gave neither)."""
        return self.new if self.new is not None else (self.old or Bookkeeping())


def change_of(record: dict[str, Any]) -> Change:
    """Raises KeyError, ValueError or TypeError for a record that is not a DynamoDB stream record or whose item
    lacks what its kind stores."""
    stream = record["dynamodb"]
    identity = record.get("userIdentity") or {}
    return Change(
        event_id=str(record["eventID"]),
        sequence=str(stream["SequenceNumber"]).zfill(SEQUENCE_WIDTH),
        name=record["eventName"],
        old=record_of(stream["OldImage"]) if "OldImage" in stream else None,
        new=record_of(stream["NewImage"]) if "NewImage" in stream else None,
        by_ttl=identity.get("type") == "Service" and identity.get("principalId") == TTL_PRINCIPAL,
        at=_instant(stream.get("ApproximateCreationDateTime")),
    )


def _instant(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        try:
            return datetime.fromtimestamp(float(value), UTC)
        except ValueError:
            return datetime.fromisoformat(value).astimezone(UTC)
    raise ValueError(f"a stream record without its creation time: {value!r}")
