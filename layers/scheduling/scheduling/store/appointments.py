"""Appointment items: bookings fenced by the doctor's booking fence, cancellations, reads and lists.

Why a booking cannot overlap another (docs/design.md, "No overlap, no orphan, no ghost"):
- the slot key `SLOT#<start>` is unique, so two bookings of one start never both commit;
- the transaction also checks the doctor's fence, which moves whenever the bookable hours change and before
  a delete; so a booking commits only against the hours it was validated against, and only while the doctor
  exists. Bookings made under older hours are then frozen, and the consistent Query before the write sees
  every one of them that could overlap; bookings under the same hours use one grid of non-overlapping slots.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from scheduling.domain.booked import BookedInterval
from scheduling.domain.delete_blockers import OPEN_STATUSES, DeleteBlocker
from scheduling.domain.hold_expiry import lapsed_by
from scheduling.errors import (
    AppointmentNotActive,
    AppointmentNotFound,
    DoctorNotFound,
)
from scheduling.models import Appointment, AppointmentStatus, HistoryEntry, rfc3339
from scheduling.store.appointment_pages import TimeRange, appointments_page
from scheduling.store.claims import SlotClaims, is_own
from scheduling.store.client import condition_failed, failed_item, translated
from scheduling.store.items import (
    DayLock,
    PatientLock,
    booked_item,
    cancelled_item,
    history_entries,
    lock_version,
    to_appointment,
)
from scheduling.store.keys import (
    BY_START_INDEX,
    ONE_SECOND,
    SLOT_PREFIX,
    appointment_lsi_sk,
    day_sk,
    doctor_pk,
    key,
    parse_utc,
    slot_sk,
    utc_key,
)
from scheduling.store.paging import Page
from scheduling.store.patients import PatientWrites, has_patient

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


class AppointmentItems:
    """Appointments: bookings and reschedules claim their slot through `SlotClaims`, and keep the patient's
    partition in step through `PatientWrites` (both shared with holds, series and the waitlist)."""

    _table: str
    _client: DynamoDBClient
    _claims: SlotClaims
    _patients: PatientWrites

    def booked_intervals(
        self, doctor_id: str, start: datetime, end: datetime, longest: timedelta, now: datetime
    ) -> list[BookedInterval]:
        """Appointments and holds still taking their time that overlap `[start, end)` (`SlotClaims`)."""
        return self._claims.booked_intervals(doctor_id, start, end, longest, now)

    def delete_blockers(self, doctor_id: str, now: datetime, longest: timedelta) -> list[DeleteBlocker]:
        """Appointments not yet over (booked or checked in, ending after `now`: future or in progress) and holds
        still taking their time at `now` (through the expiry margin): what stops a delete. One consistent Query
        from the earliest start that can still be in progress (`now - longest`); completed and no-show visits are
        filtered out, wherever they start."""
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND SK BETWEEN :first AND :last",
            "FilterExpression": "(attribute_exists(expires_at) AND expires_at > :lapsed)"
            " OR (attribute_not_exists(expires_at) AND #status IN (:booked, :checked_in) AND #end > :now)",
            "ExpressionAttributeNames": {"#status": "status", "#end": "end"},
            "ExpressionAttributeValues": {
                ":pk": {"S": doctor_pk(doctor_id)},
                ":first": {"S": slot_sk(now - longest + ONE_SECOND)},
                ":last": {"S": f"{SLOT_PREFIX}~"},
                ":now": {"S": utc_key(now)},
                ":lapsed": {"S": utc_key(lapsed_by(now))},  # a hold blocks through its margin, as for every writer
                ":booked": {"S": OPEN_STATUSES[0]},
                ":checked_in": {"S": OPEN_STATUSES[1]},
            },
            "ProjectionExpression": "SK, #end, #status, expires_at",
            "ConsistentRead": True,
        }
        with translated():
            return [
                DeleteBlocker(
                    parse_utc(item["SK"]["S"].removeprefix(SLOT_PREFIX)),
                    parse_utc(item["end"]["S"]),
                    None if "expires_at" in item else item["status"]["S"],
                )
                for item in self._claims.paginate(query)
            ]

    def day_version(self, doctor_id: str, day: date) -> int:
        """The version of a local day's lock (0 before its first capped booking)."""
        return self.day_lock(doctor_id, day).version or 0  # as read: never None

    def day_lock(self, doctor_id: str, day: date) -> DayLock:
        """A local day's lock as stored now: its version and when that version was written."""
        with translated():
            response = self._client.get_item(
                TableName=self._table, Key=key(doctor_pk(doctor_id), day_sk(day)), ConsistentRead=True
            )
        version, written_at = lock_version(response.get("Item"))
        return DayLock(day, version, written_at)

    def book(
        self,
        appointment: Appointment,
        fence: int,
        longest: timedelta,
        day_lock: DayLock | None = None,
        patient_lock: PatientLock | None = None,
        looked: list[BookedInterval] | None = None,
    ) -> Appointment:
        """Book if nothing overlaps and the doctor's fence is still `fence` (and, with a daily cap, the day was
        not booked since it was counted); answers the stored appointment. `looked`: the doctor's booked time
        around the slot as the caller already read it (a look that counts for `fence`: domain/settled.py);
        without it the store looks itself."""
        # its own id is never an overlap: an earlier attempt of this request (a retried write, or a re-run of a
        # request whose id derives from its Idempotency-Key) may have stored it; the slot put then answers it
        self._claims.refuse_overlaps(
            appointment.doctor_id,
            appointment.start,
            appointment.end,
            appointment.created_at,
            longest,
            moving=appointment.id,
            looked=looked,
        )
        items = [
            self._claims.fence_check(appointment.doctor_id, fence, appointment.created_at),
            self._claims.slot_put(booked_item(appointment), appointment.created_at),
            *self._claims.day_bump(appointment.doctor_id, day_lock, appointment.created_at),
            *self._patients.lock_and_entry(appointment, patient_lock),
        ]
        with translated():
            try:
                self._client.transact_write_items(TransactItems=items)
            except self._client.exceptions.TransactionCanceledException as error:
                self._claims.raise_claim_failure(
                    error, appointment.doctor_id, appointment.start, ("appointment_id", appointment.id)
                )
                return to_appointment(failed_item(error, 1) or {})  # our own, as an earlier attempt stored it
        return appointment

    def reschedule(
        self,
        new: Appointment,
        cancelled_old: Appointment,
        fence: int,
        longest: timedelta,
        day_lock: DayLock | None = None,
        patient_lock: PatientLock | None = None,
        looked: list[BookedInterval] | None = None,
        patient_named: str | None = None,
    ) -> Appointment:
        """Book the new slot and cancel the old appointment in one fenced transaction (`looked`: as for `book`;
        `patient_named`: the patient the request names, which the old appointment's stored patient must be)."""
        self._claims.refuse_overlaps(
            new.doctor_id, new.start, new.end, new.created_at, longest, moving=cancelled_old.id, looked=looked
        )
        items = [
            self._claims.fence_check(new.doctor_id, fence, new.created_at),
            self._claims.slot_put(booked_item(new), new.created_at),
            *self._cancel_items(cancelled_old, from_statuses=("booked",), patient_id=patient_named),
            *self._claims.day_bump(new.doctor_id, day_lock, new.created_at),
            *self._patients.lock_and_entry(new, patient_lock),
        ]
        with translated():
            try:
                self._client.transact_write_items(TransactItems=items)
            except self._client.exceptions.TransactionCanceledException as error:
                if condition_failed(error, 2) and not is_own(failed_item(error, 1), ("appointment_id", new.id)):
                    raise AppointmentNotActive(f"Appointment '{cancelled_old.id}' is no longer booked.") from error
                self._claims.raise_claim_failure(error, new.doctor_id, new.start, ("appointment_id", new.id))
        return new

    def cancel(self, cancelled: Appointment, read_status: str) -> Appointment:
        """Free the slot and keep the cancelled record, atomically, if the appointment is still as read
        (`read_status`: a check-in in between would otherwise be lost from the record). Answers the stored
        cancelled record: ours, or the one an earlier attempt of ours (a retried write) or a concurrent cancel
        stored; `AppointmentNotActive` if it changed otherwise."""
        items = self._cancel_items(cancelled, from_statuses=(read_status,))
        items.append(
            self._claims.doctor_exists(cancelled.doctor_id)
        )  # last: the indexes below stay those of the cancel
        with translated():
            try:
                self._client.transact_write_items(TransactItems=items)
            except self._client.exceptions.TransactionCanceledException as error:
                if condition_failed(error, len(items) - 1):
                    raise DoctorNotFound(cancelled.doctor_id) from error
                stored_cancel = failed_item(error, 1)
                if stored_cancel:
                    return to_appointment(stored_cancel)
                if condition_failed(error, 0):
                    raise AppointmentNotActive(f"Appointment '{cancelled.id}' is no longer booked.") from error
                raise
        return cancelled

    def transition(
        self,
        appointment: Appointment,
        to_status: str,
        stamp: str,
        at: datetime,
        from_statuses: tuple[str, ...],
        entry: HistoryEntry,
    ) -> Appointment:
        """Move a booked appointment to `to_status` if it is still in one of `from_statuses`, stamping `at`, and
        only while its doctor exists (a deleted doctor's appointments are read-only). Raises
        `AppointmentNotActive` (with nothing written) when another change came first, `DoctorNotFound` when the
        doctor is gone. One transaction: the update, the doctor's fence check, and the patient's copy if any.
        `entry` is appended to `history` by the same update: only a write whose condition holds appends it."""
        statuses = {f":from{index}": {"S": status} for index, status in enumerate(from_statuses)}
        changed = appointment.model_copy(
            update={"status": to_status, stamp: at, "history": [*appointment.history, entry]}
        )
        update: TransactWriteItemTypeDef = {
            "Update": {
                "TableName": self._table,
                "Key": key(doctor_pk(appointment.doctor_id), slot_sk(appointment.start)),
                "UpdateExpression": "SET #status = :to, #stamp = :at,"
                " #history = list_append(if_not_exists(#history, :none), :entry)",
                "ConditionExpression": f"appointment_id = :id AND #status IN ({', '.join(statuses)})",
                "ExpressionAttributeNames": {"#status": "status", "#stamp": stamp, "#history": "history"},
                "ExpressionAttributeValues": {
                    ":id": {"S": appointment.id},
                    ":to": {"S": to_status},
                    ":at": {"S": rfc3339(at)},
                    ":none": {"L": []},
                    ":entry": history_entries([entry]),
                    **statuses,
                },
            }
        }
        items = [
            update,
            self._claims.doctor_exists(appointment.doctor_id),
            *([self._patients.copy(changed)] if has_patient(appointment) else []),
        ]
        with translated():
            try:
                self._client.transact_write_items(TransactItems=items)
            except self._client.exceptions.TransactionCanceledException as error:
                if condition_failed(error, 1):
                    raise DoctorNotFound(appointment.doctor_id) from error
                if condition_failed(error, 0):
                    raise AppointmentNotActive(f"Appointment '{appointment.id}' changed meanwhile.") from error
                raise
        return changed

    def get_appointment(self, doctor_id: str, appointment_id: str, start: datetime) -> Appointment:
        """The booked or cancelled appointment: both share one LSI key, and only one of them exists."""
        with translated():
            response = self._client.query(
                TableName=self._table,
                IndexName=BY_START_INDEX,
                KeyConditionExpression="PK = :pk AND LSI1SK = :sk",
                ExpressionAttributeValues={
                    ":pk": {"S": doctor_pk(doctor_id)},
                    ":sk": {"S": appointment_lsi_sk(start, appointment_id)},
                },
                ConsistentRead=True,
            )
        if not response["Items"]:
            raise AppointmentNotFound(doctor_id, appointment_id)
        return to_appointment(response["Items"][0])

    def list_appointments(
        self,
        doctor_id: str,
        start: datetime | None,
        end: datetime | None,
        status: AppointmentStatus | None,
        limit: int,
        next_token: str | None,
    ) -> Page[Appointment]:
        where = TimeRange(doctor_pk(doctor_id), "LSI1SK", "APPT#", BY_START_INDEX)
        return appointments_page(self._client, self._table, where, (start, end), status, limit, next_token)

    def _cancel_items(
        self, cancelled: Appointment, from_statuses: tuple[str, ...], patient_id: str | None = None
    ) -> list[TransactWriteItemTypeDef]:
        """The booked item's delete if it is still as read (and, with `patient_id`, still that patient's), the
        cancelled record's put, and the patient's copy."""
        statuses = {f":from{index}": {"S": status} for index, status in enumerate(from_statuses)}
        condition = f"appointment_id = :id AND #status IN ({', '.join(statuses)})"
        names = {"#status": "status"}
        values: dict[str, Any] = {":id": {"S": cancelled.id}, **statuses}
        if patient_id is not None:
            condition += " AND #patient.#patient_id = :patient_id"
            names |= {"#patient": "patient", "#patient_id": "id"}
            values[":patient_id"] = {"S": patient_id}
        return [
            {
                "Delete": {
                    "TableName": self._table,
                    "Key": key(doctor_pk(cancelled.doctor_id), slot_sk(cancelled.start)),
                    "ConditionExpression": condition,
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": values,
                }
            },
            {
                "Put": {
                    "TableName": self._table,
                    "Item": cancelled_item(cancelled),
                    "ConditionExpression": "attribute_not_exists(PK)",
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
            *([self._patients.copy(cancelled)] if has_patient(cancelled) else []),
        ]
