"""A course of appointments booked in one transaction, with the same pieces as a single booking.

Every appointment of the series is checked and written exactly like `AppointmentItems.book` does it: the
overlap Query before the write, the slot key put (`_slot_put`), the fence check (`_fence_check`), the day
locks (`_day_bump`) and the patient's lock and copies (`_patient_items`); here they all go into ONE
TransactWriteItems, so DynamoDB commits all of them or none. The series record `SERIES#<id>` lists the
appointments (for the series' cancel and read) and tells the `appointment.series_booked` event.
Item count: 3n + 3 at most (scheduling.domain.series), 39 for the largest series of 12.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from scheduling.domain.booked import BookedInterval
from scheduling.errors import SeriesNotFound, SeriesSlotsTaken
from scheduling.models import Appointment
from scheduling.store.claims import SlotClaims, is_own, raise_fence_failure
from scheduling.store.client import failed_item, translated
from scheduling.store.fan_out import fan_out
from scheduling.store.items import DayLock, PatientLock, booked_item, deserialize, serialize
from scheduling.store.keys import SERIES_PREFIX, doctor_pk, key, parse_utc, utc_key
from scheduling.store.patients import PatientWrites

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


def series_sk(series_id: str) -> str:
    return f"{SERIES_PREFIX}{series_id}"


class SeriesItems:
    _table: str
    _client: DynamoDBClient
    _claims: SlotClaims
    _patients: PatientWrites

    def book_series(
        self,
        series_id: str,
        appointments: list[Appointment],
        fence: int,
        longest: timedelta,
        day_locks: list[DayLock],
        patient_lock: PatientLock | None,
        looked: list[list[BookedInterval]] | None = None,
    ) -> list[Appointment]:
        """Book every appointment or none. `SeriesSlotsTaken` names every start that is booked or held.
        `looked`: the doctor's booked time around each start, Queried after the doctor was read (else Queried
        here)."""
        doctor_id = appointments[0].doctor_id
        now = appointments[0].created_at
        overlaps = looked
        if overlaps is None:
            overlaps = fan_out(
                [partial(self._claims.booked_intervals, doctor_id, a.start, a.end, longest, now) for a in appointments]
            )  # the overlap Query per start, issued together: one round trip of latency
        taken = [appointment.start for appointment, found in zip(appointments, overlaps, strict=True) if found]
        if taken:
            raise SeriesSlotsTaken(doctor_id, taken)
        patient_items: list[TransactWriteItemTypeDef] = []
        for index, appointment in enumerate(appointments):
            lock_and_copy = self._patients.lock_and_entry(appointment, patient_lock)
            patient_items += lock_and_copy if index == 0 else lock_and_copy[1:]  # one lock bump for the series
        items: list[TransactWriteItemTypeDef] = [
            self._claims.fence_check(doctor_id, fence, now),
            *(self._claims.slot_put(booked_item(appointment), now) for appointment in appointments),
            *(item for day_lock in day_locks for item in self._claims.day_bump(doctor_id, day_lock, now)),
            *patient_items,
            {
                "Put": {
                    "TableName": self._table,
                    "Item": series_item(series_id, appointments),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
        ]
        with translated():
            try:
                self._client.transact_write_items(TransactItems=items)
            except self._client.exceptions.TransactionCanceledException as error:
                stored = [failed_item(error, 1 + index) for index in range(len(appointments))]
                if any(is_own(item, ("appointment_id", a.id)) for item, a in zip(stored, appointments, strict=True)):
                    return appointments  # an earlier attempt of this very call committed (retried by the SDK)
                if any(stored):
                    raise SeriesSlotsTaken(
                        doctor_id, [a.start for item, a in zip(stored, appointments, strict=True) if item]
                    ) from error
                raise_fence_failure(error, doctor_id)
        return appointments

    def series_members(self, doctor_id: str, series_id: str) -> list[tuple[str, datetime]]:
        """The (appointment id, start) pairs the series was booked with, in time order."""
        with translated():
            response = self._client.get_item(
                TableName=self._table, Key=key(doctor_pk(doctor_id), series_sk(series_id)), ConsistentRead=True
            )
        if "Item" not in response:
            raise SeriesNotFound(doctor_id, series_id)
        members = deserialize(response["Item"])["appointments"]
        return [(member["id"], parse_utc(member["start"])) for member in members]


def series_item(series_id: str, appointments: list[Appointment]) -> dict[str, Any]:
    first = appointments[0]
    return serialize(
        {
            "PK": doctor_pk(first.doctor_id),
            "SK": series_sk(series_id),
            "kind": "series",
            "series_id": series_id,
            "doctor_id": first.doctor_id,
            "location": first.location,
            "patient_id": first.patient_id,  # the id only, for the series_booked event
            "timezone": first.timezone,
            "created_at": utc_key(first.created_at),
            "appointments": [{"id": a.id, "start": utc_key(a.start)} for a in appointments],
        }
    )
