"""A patient's partition: the lock that serialises the patient's bookings and a copy of each appointment.

Why a patient is never in two places at once (docs/design.md): every booking, hold, conversion or reschedule
that carries `patient.id` reads the patient's lock version, then Queries the patient's appointments and
unexpired holds that could overlap, and its transaction bumps the lock only if the version is unchanged. Any
other booking or hold of the same patient that commits in between bumps it too, so one of two overlapping ones
always fails and looks again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from scheduling.domain.hold_expiry import still_takes_its_time
from scheduling.models import Appointment, AppointmentStatus, Hold
from scheduling.store.appointment_pages import TimeRange, appointments_page
from scheduling.store.client import translated
from scheduling.store.items import (
    PATIENT_APPOINTMENT,
    PATIENT_HOLD,
    PatientLock,
    lock_version,
    patient_entry_item,
    patient_hold_item,
    version_bump,
)
from scheduling.store.keys import (
    ONE_SECOND,
    PATIENT_LOCK,
    PATIENT_TIME_PREFIX,
    key,
    parse_utc,
    patient_pk,
    patient_time_sk,
    utc_key,
)
from scheduling.store.paging import Page

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

# Statuses in which an appointment still takes the patient's time.
TAKES_THE_PATIENT = frozenset({"booked", "checked_in"})


class PatientItems:
    _table: str
    _client: DynamoDBClient

    def patient_version(self, patient_id: str) -> int:
        return self.patient_lock(patient_id).version

    def patient_lock(self, patient_id: str) -> PatientLock:
        """The patient's lock as stored now: its version and when that version was written."""
        with translated():
            response = self._client.get_item(
                TableName=self._table, Key=key(patient_pk(patient_id), PATIENT_LOCK), ConsistentRead=True
            )
        version, written_at = lock_version(response.get("Item"))
        return PatientLock(patient_id, version, written_at)

    def patient_busy(
        self, patient_id: str, start: datetime, end: datetime, longest: timedelta, now: datetime, ignoring: str | None
    ) -> tuple[datetime, datetime] | None:
        """The first of the patient's active appointments or holds that still take their time at `now` (until a
        margin after `expires_at`) that overlaps `[start, end)`, as (start, end); `ignoring` names an appointment
        or hold that does not count (the one being moved), nor does an appointment that hold became."""
        return next(iter(self.patient_times(patient_id, start, end, longest, now, ignoring)), None)

    def patient_times(
        self, patient_id: str, start: datetime, end: datetime, longest: timedelta, now: datetime, ignoring: str | None
    ) -> list[tuple[datetime, datetime]]:
        """Every one of the patient's active appointments or holds that still take their time at `now` and
        overlap `[start, end)`, as (start, end), ascending: one consistent Query (plus pages past 1 MB)."""
        found: list[tuple[datetime, datetime]] = []
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND SK BETWEEN :first AND :last",
            "ExpressionAttributeValues": {
                ":pk": {"S": patient_pk(patient_id)},
                ":first": {"S": f"{PATIENT_TIME_PREFIX}{utc_key(start - longest + ONE_SECOND)}"},
                ":last": {"S": f"{PATIENT_TIME_PREFIX}{utc_key(end - ONE_SECOND)}#~"},
            },
            "ProjectionExpression": "#start, #end, #status, appointment_id, hold_id, expires_at, kind",
            "ExpressionAttributeNames": {"#start": "start", "#end": "end", "#status": "status"},
            "ConsistentRead": True,
        }
        with translated():
            while True:
                response = self._client.query(**query)
                for item in response["Items"]:
                    other = (parse_utc(item["start"]["S"]), parse_utc(item["end"]["S"]))
                    if (
                        _takes_the_patient(item, now)
                        and ignoring not in _ids_of(item)
                        and other[0] < end
                        and start < other[1]
                    ):
                        found.append(other)
                if "LastEvaluatedKey" not in response:
                    return found
                query["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def list_patient_appointments(
        self,
        patient_id: str,
        start: datetime | None,
        end: datetime | None,
        status: AppointmentStatus | None,
        limit: int,
        next_token: str | None,
    ) -> Page[Appointment]:
        """The patient's appointments with every doctor, ascending by start: one Query per page."""
        where = TimeRange(patient_pk(patient_id), "SK", PATIENT_TIME_PREFIX, kind=PATIENT_APPOINTMENT)
        return appointments_page(self._client, self._table, where, (start, end), status, limit, next_token)


class PatientWrites:
    """The parts of a transaction that keep a patient's partition in step: the lock's bump, an appointment's
    copy, a hold's entry and its removal (shared by appointments, holds, series and the waitlist)."""

    def __init__(self, table: str) -> None:
        self._table = table

    def lock_and_entry(self, entry: Appointment | Hold, lock: PatientLock | None) -> list[TransactWriteItemTypeDef]:
        """The patient's lock bumped if unchanged since it was read, and the appointment's copy or hold's entry."""
        if lock is None:
            return []
        lock_key = key(patient_pk(lock.patient_id), PATIENT_LOCK)
        bump = version_bump(self._table, lock_key, "patient-lock", lock.version, entry.created_at)
        if isinstance(entry, Hold):
            held: TransactWriteItemTypeDef = {"Put": {"TableName": self._table, "Item": patient_hold_item(entry)}}
            return [bump, held]
        return [bump, self.copy(entry)]

    def hold_entry_gone(self, hold: Hold) -> list[TransactWriteItemTypeDef]:
        """A released or converted hold no longer takes its patient's time."""
        if hold.patient_id is None:
            return []
        entry = key(patient_pk(hold.patient_id), patient_time_sk(hold.start, hold.id))
        return [{"Delete": {"TableName": self._table, "Key": entry}}]

    def copy(self, appointment: Appointment) -> TransactWriteItemTypeDef:
        """The appointment's copy in its patient's partition, as the appointment now is."""
        return {"Put": {"TableName": self._table, "Item": patient_entry_item(appointment)}}


def _takes_the_patient(item: dict[str, Any], now: datetime) -> bool:
    if item.get("kind", {}).get("S") == PATIENT_HOLD:
        return still_takes_its_time(parse_utc(item["expires_at"]["S"]), now)
    return item["status"]["S"] in TAKES_THE_PATIENT


def _ids_of(item: dict[str, Any]) -> set[str]:
    """The appointment's or hold's id, and for an appointment made from a hold that hold's id too: a conversion
    that lost the race to another conversion of its hold must not find the winner's appointment in its way."""
    return {item[name]["S"] for name in ("appointment_id", "hold_id") if name in item}


def has_patient(appointment: Appointment) -> bool:
    return appointment.patient is not None and appointment.patient.id is not None
