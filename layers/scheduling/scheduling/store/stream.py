"""A DynamoDB stream image (NewImage or OldImage) -> the typed record it stores, decoded by the store's own codec.

The stream's readers (`events`) see records, never keys, key prefixes or raw attribute maps. Each item kind
that tells a change has its record; everything else of a doctor's partition (`FENCE`, `DAY#`, tags, waitlist
locks, reminder marks, kinds added later) and every item of another partition (a patient's `LOCK` and `TIME#`
copies) is `Bookkeeping`: it tells nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from scheduling.store.items import deserialize
from scheduling.store.keys import (
    CANCELLED_PREFIX,
    DOCTOR_PREFIX,
    HOLD_PREFIX,
    PROFILE,
    SERIES_PREFIX,
    SLOT_PREFIX,
    WAIT_PREFIX,
    WAITLIST_ENTRY,
)

# Profile attributes that are storage, not the doctor: the item's kind and its copy of the booking fence.
_PROFILE_STORAGE = frozenset({"kind", "fence", "fence_moved_at"})


@dataclass(frozen=True)
class DoctorProfile:
    doctor_id: str
    version: int
    name: str
    timezone: str
    locations: list[str]
    created_by: str | None
    updated_by: str | None
    fields: dict[str, Any] = field(compare=False)  # every stored field of the doctor, stamps included


@dataclass(frozen=True)
class HoldRecord:
    """A hold's record: its status, and whom it was offered to (a waitlist entry) if anyone."""

    doctor_id: str
    hold_id: str
    status: str
    start: datetime
    end: datetime
    expires_at: datetime
    location: str | None
    appointment_id: str | None
    patient_id: str | None
    created_by: str | None
    released_by: str | None
    waitlist_entry: str | None


@dataclass(frozen=True)
class HoldClaim:
    """A hold's claim on its slot."""

    doctor_id: str
    hold_id: str
    start: datetime
    end: datetime
    expires_at: datetime
    patient_id: str | None
    waitlist_entry: str | None


@dataclass(frozen=True)
class StoredAppointment:
    """An appointment, as its slot item (`BookedAppointment`) or its cancelled record (`CancelledAppointment`)."""

    doctor_id: str
    appointment_id: str
    status: str
    start: datetime
    end: datetime
    location: str
    patient_id: str | None
    hold_id: str | None
    replaces: str | None  # the appointment it was rescheduled from
    replaced_by: str | None  # the appointment it was rescheduled to
    by: str | None  # who made its last change (the last history entry)
    on_behalf_of: str | None


@dataclass(frozen=True)
class BookedAppointment(StoredAppointment):
    """An appointment on its slot (booked, checked in, completed, no-show)."""


@dataclass(frozen=True)
class CancelledAppointment(StoredAppointment):
    """A cancelled appointment's record, kept forever."""


@dataclass(frozen=True)
class WaitlistRecord:
    doctor_id: str
    entry_id: str
    patient_id: str | None  # every entry has one; None only in items made up by hand
    status: str
    hold_id: str | None
    offered_start: datetime | None
    offer_expires_at: datetime | None
    appointment_id: str | None


@dataclass(frozen=True)
class SeriesRecord:
    doctor_id: str
    series_id: str
    members: list[tuple[str, datetime]]  # (appointment id, start)
    location: str
    patient_id: str | None


@dataclass(frozen=True)
class Bookkeeping:
    """An item that tells no change of its own."""


StoredRecord = (
    DoctorProfile
    | HoldRecord
    | HoldClaim
    | BookedAppointment
    | CancelledAppointment
    | WaitlistRecord
    | SeriesRecord
    | Bookkeeping
)


def record_of(image: dict[str, Any]) -> StoredRecord:
    """Raises KeyError, ValueError or TypeError for an item of a known kind that lacks what its kind stores."""
    item = deserialize(image)
    pk, sk = str(item.get("PK", "")), str(item.get("SK", ""))
    if not pk.startswith(DOCTOR_PREFIX):
        return Bookkeeping()
    doctor_id = pk.removeprefix(DOCTOR_PREFIX)
    if sk == PROFILE:
        return _doctor(doctor_id, item)
    decode = next((decode for prefix, decode in _BY_PREFIX if sk.startswith(prefix)), _bookkeeping)
    return decode(doctor_id, item)


def _slot(doctor_id: str, item: dict[str, Any]) -> StoredRecord:
    if item.get("kind") == "hold":
        return _claim(doctor_id, item)
    if item.get("kind") == "appointment":
        return BookedAppointment(**_appointment(doctor_id, item))
    return Bookkeeping()


def _cancelled(doctor_id: str, item: dict[str, Any]) -> StoredRecord:
    return CancelledAppointment(**_appointment(doctor_id, item))


def _bookkeeping(doctor_id: str, item: dict[str, Any]) -> StoredRecord:
    return Bookkeeping()


def _doctor(doctor_id: str, item: dict[str, Any]) -> DoctorProfile:
    return DoctorProfile(
        doctor_id=doctor_id,
        version=int(item["version"]),
        name=item["name"],
        timezone=item["timezone"],
        locations=list(item["locations"]),
        created_by=item.get("created_by"),
        updated_by=item.get("updated_by"),
        fields={name: value for name, value in item.items() if not name.isupper() and name not in _PROFILE_STORAGE},
    )


def _hold_record(doctor_id: str, item: dict[str, Any]) -> HoldRecord:
    return HoldRecord(
        doctor_id=doctor_id,
        hold_id=item["id"],
        status=item["status"],
        start=_instant(item["start"]),
        end=_instant(item["end"]),
        expires_at=_instant(item["expires_at"]),
        location=item.get("location"),
        appointment_id=item.get("appointment_id"),
        patient_id=_patient_id(item),
        created_by=item.get("created_by"),
        released_by=item.get("released_by"),
        waitlist_entry=item.get(WAITLIST_ENTRY) or None,
    )


def _claim(doctor_id: str, item: dict[str, Any]) -> HoldClaim:
    return HoldClaim(
        doctor_id=doctor_id,
        hold_id=item["hold_id"],
        start=_instant(item["start"]),
        end=_instant(item["end"]),
        expires_at=_instant(item["expires_at"]),
        patient_id=_patient_id(item),
        waitlist_entry=item.get(WAITLIST_ENTRY) or None,
    )


def _appointment(doctor_id: str, item: dict[str, Any]) -> dict[str, Any]:
    last = (item.get("history") or [{}])[-1]  # the change's own entry is the last: appended in the same write
    return {
        "doctor_id": doctor_id,
        "appointment_id": item["appointment_id"],
        "status": item["status"],
        "start": _instant(item["start"]),
        "end": _instant(item["end"]),
        "location": item["location"],
        "patient_id": _patient_id(item),
        "hold_id": item.get("hold_id"),
        "replaces": item.get("replaces") or None,
        "replaced_by": item.get("replaced_by") or None,
        "by": last.get("by"),
        "on_behalf_of": last.get("on_behalf_of"),
    }


def _waitlist_entry(doctor_id: str, item: dict[str, Any]) -> WaitlistRecord:
    return WaitlistRecord(
        doctor_id=doctor_id,
        entry_id=item["id"],
        patient_id=item.get("patient_id"),
        status=str(item.get("status")),
        hold_id=item.get("hold_id"),
        offered_start=_instant(item["offered_start"]) if item.get("offered_start") else None,
        offer_expires_at=_instant(item["offer_expires_at"]) if item.get("offer_expires_at") else None,
        appointment_id=item.get("appointment_id"),
    )


def _series(doctor_id: str, item: dict[str, Any]) -> SeriesRecord:
    return SeriesRecord(
        doctor_id=doctor_id,
        series_id=item["series_id"],
        members=[(member["id"], _instant(member["start"])) for member in item["appointments"]],
        location=item["location"],
        patient_id=item.get("patient_id"),
    )


_BY_PREFIX: tuple[tuple[str, Callable[[str, dict[str, Any]], StoredRecord]], ...] = (
    (SLOT_PREFIX, _slot),
    (HOLD_PREFIX, _hold_record),
    (CANCELLED_PREFIX, _cancelled),
    (WAIT_PREFIX, _waitlist_entry),
    (SERIES_PREFIX, _series),
)


def _patient_id(item: dict[str, Any]) -> str | None:
    """Only the id: a patient's name never leaves the store in a record."""
    patient = item.get("patient")
    if isinstance(patient, dict) and patient.get("id"):
        return str(patient["id"])
    return str(item["patient_id"]) if item.get("patient_id") else None


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
