"""Items as stored: API models in, DynamoDB attribute maps out, and back. Key and index attributes live here only.

A stored attribute keeps its name even if an API field is renamed: `_STORED_AS` is the one place to map them.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from pydantic import BaseModel

from scheduling.domain import hold_expiry
from scheduling.domain.settled import settled_by
from scheduling.domain.tags import Tag
from scheduling.models import Appointment, Doctor, HistoryEntry, Hold
from scheduling.models.base import STORED
from scheduling.models.doctors import WEEKDAYS
from scheduling.store.keys import (
    DOCTORS_PARTITION,
    FENCE,
    PROFILE,
    appointment_lsi_sk,
    cancelled_sk,
    doctor_pk,
    hold_sk,
    parse_utc,
    patient_pk,
    patient_time_sk,
    slot_sk,
    tag_key_part,
    tag_text,
    utc_key,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


@dataclass(frozen=True)
class DoctorRecord:
    """A stored doctor and its booking fence: bookings commit only while the fence still has this value."""

    doctor: Doctor
    fence: int
    # the fence writer's clock before it wrote (domain/settled.py); None on the first fence and on older items
    fence_moved_at: datetime | None = None


@dataclass(frozen=True)
class DayLock:
    """A doctor's local day as a booking counted it: the booking commits only if `version` is still current."""

    day: date
    version: int | None  # None: not read; the write checks that the lock is settled (domain/settled.py) instead
    written_at: datetime | None = None  # when that version was written (domain/settled.py)


@dataclass(frozen=True)
class PatientLock:
    """A patient's bookings as a booking checked them: it commits only if `version` is still current."""

    patient_id: str
    version: int
    written_at: datetime | None = None  # when that version was written (domain/settled.py)


def version_bump(
    table: str, item_key: dict[str, Any], kind: str, read: int, at: datetime | None = None
) -> TransactWriteItemTypeDef:
    """A transaction Put that moves a lock item from the version `read` to the next one, failing if another
    write moved it first (used by the day lock and the patient lock). `at`: the writer's clock, read before it
    sends this write (domain/settled.py)."""
    stamp = utc_key(at) if at is not None else None
    return {
        "Put": {
            "TableName": table,
            "Item": {**item_key, **serialize({"kind": kind, "version": read + 1, "at": stamp})},
            "ConditionExpression": "attribute_not_exists(PK) OR version = :read",
            "ExpressionAttributeValues": {":read": {"N": str(read)}},
        }
    }


def settled_bump(table: str, item_key: dict[str, Any], kind: str, at: datetime) -> TransactWriteItemTypeDef:
    """A transaction Update that moves a lock item to its next version without having read it, failing unless
    its last write is settled at `at` (domain/settled.py): every write it superseded committed before the caller
    looked, and any later one would carry a later stamp. A lock stored without a stamp fails too."""
    return {
        "Update": {
            "TableName": table,
            "Key": item_key,
            "UpdateExpression": "SET #kind = :kind, #version = if_not_exists(#version, :zero) + :one, #at = :at",
            "ConditionExpression": "attribute_not_exists(PK) OR #at <= :settled_by",
            "ExpressionAttributeNames": {"#kind": "kind", "#version": "version", "#at": "at"},
            "ExpressionAttributeValues": {
                ":kind": {"S": kind},
                ":zero": {"N": "0"},
                ":one": {"N": "1"},
                ":at": {"S": utc_key(at)},
                # whole seconds, rounded down: a stamp at or before it is at or before the exact bound
                ":settled_by": {"S": utc_key(settled_by(at))},
            },
        }
    }


def serialize(attributes: dict[str, Any]) -> dict[str, Any]:
    return {name: _serializer.serialize(value) for name, value in attributes.items() if value is not None}


def history_entries(entries: list[HistoryEntry]) -> dict[str, Any]:
    """History entries as a DynamoDB list, for `list_append` (the same shape `_appointment_attributes` stores)."""
    serialized: dict[str, Any] = dict(
        _serializer.serialize([entry.model_dump(mode="json", exclude_none=True) for entry in entries])
    )
    return serialized


def deserialize(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _plain(_deserializer.deserialize(value)) for name, value in item.items()}


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; whole ones become int, so strict integer fields accept them."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _plain(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_plain(inner) for inner in value]
    return value


def doctor_item(doctor: Doctor, fence: int, fence_moved_at: datetime | None = None) -> dict[str, Any]:
    return serialize(
        {
            "PK": doctor_pk(doctor.id),
            "SK": PROFILE,
            "GSI1PK": DOCTORS_PARTITION,
            "GSI1SK": f"{doctor.name.casefold()}#{doctor.id}",
            "kind": "doctor",
            "version": doctor.version,
            "fence": fence,
            "fence_moved_at": utc_key(fence_moved_at) if fence_moved_at else None,
            **doctor.model_dump(mode="json"),
        }
    )


def tag_item(doctor_id: str, tag: Tag, summary: str | None) -> dict[str, Any]:
    """One search tag of a doctor; GSI1 lists a tag's doctors, each with its bookable summary (`None`: too big to
    carry, the search reads the profile instead). Written and deleted with the profile."""
    part = tag_key_part(tag)
    return serialize(
        {
            "PK": doctor_pk(doctor_id),
            "SK": part,
            "GSI1PK": part,
            "GSI1SK": doctor_id,
            "kind": "tag",
            "tag": tag_text(tag),
            "bookable": summary,
        }
    )


# What decides a doctor's free slots and how a search answers them: the profile without its stamps and authors,
# so a write that changes none of these leaves the tag items alone.
_BOOKABLE_FIELDS = frozenset(
    {"name", "locations", "timezone", "slot_minutes", "schedule", "overrides", "specialties", "rules"}
)
MAX_SUMMARY_BYTES = 3000  # beyond this the tag items carry none: a page of 500 doctors' summaries stays under 1 MB
_NO_STAMP = datetime(1970, 1, 1, tzinfo=UTC)


def bookable_summary(doctor: Doctor, since: date) -> str | None:
    """The doctor's bookable summary as compact JSON (one string attribute: botocore parses it as one value,
    not as nested maps). Overrides that cannot change a search are left out: those of dates before `since` (no
    search ever offers a slot in the past) and those equal to their weekday's hours; the others are grouped by
    their hours (`override_groups`: [hours, [dates]]), so a year of weekend sittings is one list of dates, not a
    year of copies. A summary over MAX_SUMMARY_BYTES is None."""
    fields = doctor.model_dump(mode="json", include=set(_BOOKABLE_FIELDS))
    weekly, groups = fields["schedule"], defaultdict(list)
    for day, hours in sorted(fields.pop("overrides").items()):
        if day >= since.isoformat() and hours != weekly.get(WEEKDAYS[date.fromisoformat(day).weekday()], []):
            groups[json.dumps(hours, separators=(",", ":"), sort_keys=True)].append(day)
    fields["override_groups"] = [[json.loads(hours), days] for hours, days in groups.items()]
    text = json.dumps(fields, separators=(",", ":"), sort_keys=True)
    return text if len(text.encode()) <= MAX_SUMMARY_BYTES else None


def _summary_fields(summary: str) -> dict[str, Any]:
    """A summary's fields as `Doctor` reads them (one written before `override_groups` has `overrides`)."""
    fields: dict[str, Any] = json.loads(summary)
    groups = fields.pop("override_groups", None)
    if groups is not None:
        fields["overrides"] = {day: hours for hours, days in groups for day in days}
    return fields


# A warm container answers searches of the same sites again and again: each summary text is decoded once (a third
# of the search's CPU at 500 doctors). Measured: about 6 KB of objects per decoded doctor, 22 KB with a year of
# date overrides, so at most about 45 MB; the least recently used are dropped beyond.
SUMMARY_CACHE_SIZE = 2048


@lru_cache(maxsize=SUMMARY_CACHE_SIZE)
def summary_doctor(doctor_id: str, summary: str) -> Doctor:
    """A doctor as its summary tells it: enough to find its free slots and name them, no stamps (epoch), no
    version (only reads for a search use it). The same text gives the same object, shared between searches of a
    warm container: a search reads it and never changes it."""
    return Doctor.model_validate(
        {**_summary_fields(summary), "id": doctor_id, "created_at": _NO_STAMP, "updated_at": _NO_STAMP}
    )


def fence_item(doctor_id: str, fence: int, closed_until: datetime | None = None) -> dict[str, Any]:
    """Kept small on purpose: every booking's transaction checks it, and a check costs by item size.
    `closed_until` is a delete's lease: until then no booking commits (fixed-width UTC text compares in order)."""
    return serialize(
        {
            "PK": doctor_pk(doctor_id),
            "SK": FENCE,
            "kind": "fence",
            "fence": fence,
            "closed_until": utc_key(closed_until) if closed_until else None,
        }
    )


def to_doctor_record(item: dict[str, Any]) -> DoctorRecord:
    attributes = deserialize(item)
    moved_at = attributes.get("fence_moved_at")
    return DoctorRecord(
        Doctor.model_validate(_model_fields(Doctor, attributes), context=STORED),
        int(attributes.get("fence", 1)),
        parse_utc(moved_at) if moved_at else None,
    )


def lock_version(item: dict[str, Any] | None) -> tuple[int, datetime | None]:
    """A lock item's version (0 before its first write) and when it was written (None if not stamped)."""
    item = item or {}
    at = item.get("at", {}).get("S")
    return int(item.get("version", {}).get("N", "0")), parse_utc(at) if at else None


def booked_item(appointment: Appointment) -> dict[str, Any]:
    return serialize({**_appointment_attributes(appointment), "SK": slot_sk(appointment.start)})


PATIENT_APPOINTMENT = "patient-appointment"
PATIENT_HOLD = "patient-hold"


def patient_entry_item(appointment: Appointment) -> dict[str, Any]:
    """The copy of an appointment in its patient's partition (only for appointments with `patient.id`)."""
    patient_id = appointment.patient.id if appointment.patient else None
    if patient_id is None:
        raise ValueError("only an appointment with a patient id has a copy in the patient's partition")
    return serialize(
        {
            **_appointment_attributes(appointment),
            "PK": patient_pk(patient_id),
            "SK": patient_time_sk(appointment.start, appointment.id),
            "LSI1SK": None,
            "kind": PATIENT_APPOINTMENT,
        }
    )


def cancelled_item(appointment: Appointment) -> dict[str, Any]:
    return serialize({**_appointment_attributes(appointment), "SK": cancelled_sk(appointment.start, appointment.id)})


HOLD_RECORD_KEPT = timedelta(days=30)  # DynamoDB TTL removes a hold's record this long after it expired
TTL_SLACK = timedelta(seconds=1)


def hold_ttl(hold: Hold) -> int:
    """When TTL may remove a hold's claim and its patient entry: not before every writer stopped counting the
    hold (`expires_at + HOLD_EXPIRY_MARGIN`), as DynamoDB may delete an item any time after its `ttl`; rounded
    up to whole epoch seconds, plus a second of slack."""
    return math.ceil((hold_expiry.counted_until(hold.expires_at) + TTL_SLACK).timestamp())


def hold_lock_item(hold: Hold) -> dict[str, Any]:
    """The hold's claim on its slot: same key as a booking, so one of the two wins; void after `expires_at`."""
    return serialize(
        {
            "PK": doctor_pk(hold.doctor_id),
            "SK": slot_sk(hold.start),
            "kind": "hold",
            "hold_id": hold.id,
            "patient_id": hold.patient_id,  # so the expiry's event (from this claim's deletion) names the patient
            "start": utc_key(hold.start),
            "end": utc_key(hold.end),
            "expires_at": utc_key(hold.expires_at),
            "ttl": hold_ttl(hold),  # clean-up only: the conditions ignore it
        }
    )


def hold_record_item(hold: Hold, patient_lock: PatientLock | None = None) -> dict[str, Any]:
    """The hold's record; with `patient_lock` (as the hold's transaction checks it), the version of the patient's
    lock that transaction writes, so a conversion can check that nothing of the patient's committed since."""
    return serialize(
        {
            "PK": doctor_pk(hold.doctor_id),
            "SK": hold_sk(hold.id),
            "kind": "hold-record",
            # the patient as `patient_id` (its stored name from before the model took `patient`), via the dump
            **hold.model_dump(mode="json", exclude={"start", "end", "expires_at", "patient"}),
            "start": utc_key(hold.start),
            "end": utc_key(hold.end),
            "expires_at": utc_key(hold.expires_at),
            "ttl": int((hold.expires_at + HOLD_RECORD_KEPT).timestamp()),
            "patient_lock_version": patient_lock.version + 1 if patient_lock is not None else None,
        }
    )


def hold_patient_lock(item: dict[str, Any]) -> PatientLock | None:
    """The patient's lock as the hold's own transaction left it (None: no patient, or a record from before)."""
    if "patient_lock_version" not in item or "patient_id" not in item:
        return None
    return PatientLock(item["patient_id"]["S"], int(item["patient_lock_version"]["N"]))


def patient_hold_item(hold: Hold) -> dict[str, Any]:
    """A hold's entry in its patient's partition: the patient's time is taken until `expires_at`."""
    if hold.patient_id is None:
        raise ValueError("only a hold with a patient id has an entry in the patient's partition")
    return serialize(
        {
            "PK": patient_pk(hold.patient_id),
            "SK": patient_time_sk(hold.start, hold.id),
            "kind": PATIENT_HOLD,
            "hold_id": hold.id,
            "doctor_id": hold.doctor_id,
            "start": utc_key(hold.start),
            "end": utc_key(hold.end),
            "status": "held",
            "expires_at": utc_key(hold.expires_at),
            "ttl": hold_ttl(hold),  # clean-up only: the overlap look ignores expired entries
        }
    )


def to_hold(item: dict[str, Any]) -> Hold:
    attributes = deserialize(item)
    patient_id = attributes.get("patient_id")
    fields = {**_model_fields(Hold, attributes), "patient": {"id": patient_id} if patient_id else None}
    hold = Hold.model_validate(fields, context=STORED)
    zone = ZoneInfo(hold.timezone)
    return hold.model_copy(update={"start": hold.start.astimezone(zone), "end": hold.end.astimezone(zone)})


def to_appointment(item: dict[str, Any]) -> Appointment:
    return Appointment.model_validate(_model_fields(Appointment, deserialize(item)), context=STORED).in_own_timezone()


def _appointment_attributes(appointment: Appointment) -> dict[str, Any]:
    return {
        "PK": doctor_pk(appointment.doctor_id),
        "LSI1SK": appointment_lsi_sk(appointment.start, appointment.id),
        "kind": "appointment",
        "appointment_id": appointment.id,
        **appointment.model_dump(mode="json", exclude={"start", "end", "history"}),
        "start": utc_key(appointment.start),
        "end": utc_key(appointment.end),
        "history": [entry.model_dump(mode="json", exclude_none=True) for entry in appointment.history],
    }


def _model_fields(model: type[BaseModel], attributes: dict[str, Any]) -> dict[str, Any]:
    """Drop key and index attributes."""
    return {name: value for name, value in attributes.items() if name in model.model_fields}
