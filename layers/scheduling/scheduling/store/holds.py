"""Hold items: a hold's claim on its slot (fenced like a booking) and its record; conversion and release.

A hold's slot claim has the same key as a booking, so the slot key decides between holds and bookings; a
lapsed claim is simply overwritten by the next claim (`expires_at <= now - margin` in the put's condition), so
expiry needs no job. TTL (`ttl`) only cleans up afterwards. Its own conversion commits only before
`expires_at` (`domain/hold_expiry.py`; docs/design.md says why the margin between the two is safe).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from scheduling.domain.booked import BookedInterval
from scheduling.errors import DoctorNotFound, HoldNotFound, StaleRecord
from scheduling.models import Appointment, Hold, rfc3339
from scheduling.store.claims import SlotClaims
from scheduling.store.client import condition_failed, failed_item, translated
from scheduling.store.items import (
    DayLock,
    PatientLock,
    booked_item,
    deserialize,
    hold_lock_item,
    hold_patient_lock,
    hold_record_item,
    to_hold,
)
from scheduling.store.keys import doctor_pk, hold_sk, key, slot_sk, utc_key
from scheduling.store.patients import PatientWrites

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


class HoldItems:
    """Holds share the slot keys, the fence check and the overlap rule of bookings (`SlotClaims`)."""

    _table: str
    _client: DynamoDBClient
    _claims: SlotClaims
    _patients: PatientWrites

    def hold(
        self,
        hold: Hold,
        fence: int,
        longest: timedelta,
        day_lock: DayLock | None = None,
        patient_lock: PatientLock | None = None,
        looked: list[BookedInterval] | None = None,
    ) -> Hold:
        """Claim the slot for `hold` if nothing unexpired overlaps it and the doctor's fence is still `fence`
        (and, for a patient, if no booking or hold of the patient committed since `patient_lock` was read)."""
        now = hold.created_at
        # its own id is never an overlap: an earlier attempt of this request may have stored it (see `book`)
        self._claims.refuse_overlaps(hold.doctor_id, hold.start, hold.end, now, longest, moving=hold.id, looked=looked)
        items: list[TransactWriteItemTypeDef] = [
            self._claims.fence_check(hold.doctor_id, fence, now),
            self._claims.slot_put(hold_lock_item(hold), now),
            {
                "Put": {
                    "TableName": self._table,
                    "Item": hold_record_item(hold, patient_lock),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
            *self._claims.day_bump(hold.doctor_id, day_lock, now),
            *self._patients.lock_and_entry(hold, patient_lock),
        ]
        with translated():
            try:
                self._client.transact_write_items(TransactItems=items)
            except self._client.exceptions.TransactionCanceledException as error:
                self._claims.raise_claim_failure(error, hold.doctor_id, hold.start, ("hold_id", hold.id))
                return self.get_hold(hold.doctor_id, hold.id)  # our own, as an earlier attempt stored it
        return hold

    def get_hold(self, doctor_id: str, hold_id: str) -> Hold:
        return self.get_hold_and_lock(doctor_id, hold_id)[0]

    def get_hold_and_lock(self, doctor_id: str, hold_id: str) -> tuple[Hold, PatientLock | None]:
        """The hold, and its patient's lock as the hold's transaction wrote it (None without a patient, or for a
        record stored before holds kept it): one consistent GetItem."""
        with translated():
            response = self._client.get_item(
                TableName=self._table, Key=key(doctor_pk(doctor_id), hold_sk(hold_id)), ConsistentRead=True
            )
        if "Item" not in response:
            raise HoldNotFound(doctor_id, hold_id)
        return to_hold(response["Item"]), hold_patient_lock(response["Item"])

    def convert_hold(
        self, hold: Hold, appointment: Appointment, patient_lock: PatientLock | None = None
    ) -> Appointment:
        """The hold's slot becomes `appointment` and the hold's record says so, atomically, if the hold is still
        unexpired at `appointment.created_at` (read just before this call) and unused, and no delete holds the
        doctor. Raises `StaleRecord` otherwise (re-read the hold)."""
        now = appointment.created_at
        items: list[TransactWriteItemTypeDef] = [
            self._claims.fence_check(hold.doctor_id, None, now),
            {
                "Put": {
                    "TableName": self._table,
                    "Item": booked_item(appointment),
                    # domain/hold_expiry.py `convertible`: keys have whole seconds, so E > floor(now) iff E > now
                    "ConditionExpression": "kind = :hold AND hold_id = :hold_id AND expires_at > :now",
                    "ExpressionAttributeValues": {
                        ":hold": {"S": "hold"},
                        ":hold_id": {"S": hold.id},
                        ":now": {"S": utc_key(now)},
                    },
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
            self._hold_record_update(hold, "booked", {"appointment_id": appointment.id}),
            *self._patients.hold_entry_gone(hold),
            *self._patients.lock_and_entry(appointment, patient_lock),
        ]
        with translated():
            try:
                self._client.transact_write_items(TransactItems=items)
            except self._client.exceptions.TransactionCanceledException as error:
                stored = failed_item(error, 1)
                if stored and deserialize(stored).get("appointment_id") == appointment.id:
                    return appointment  # our own earlier attempt, retried by the SDK after a lost answer
                if condition_failed(error, 0) and not failed_item(error, 0):
                    raise DoctorNotFound(hold.doctor_id) from error
                raise StaleRecord(f"Hold '{hold.id}' changed while converting it.") from error
        return appointment

    def release_hold(self, hold: Hold, at: datetime, by: str) -> None:
        """Free the slot and mark the record released, atomically; `StaleRecord` if the hold changed meanwhile."""
        items: list[TransactWriteItemTypeDef] = [
            {
                "Delete": {
                    "TableName": self._table,
                    "Key": key(doctor_pk(hold.doctor_id), slot_sk(hold.start)),
                    "ConditionExpression": "kind = :hold AND hold_id = :hold_id",
                    "ExpressionAttributeValues": {":hold": {"S": "hold"}, ":hold_id": {"S": hold.id}},
                }
            },
            self._hold_record_update(hold, "released", {"released_at": rfc3339(at), "released_by": by}),
            *self._patients.hold_entry_gone(hold),
        ]
        with translated():
            try:
                self._client.transact_write_items(TransactItems=items)
            except self._client.exceptions.TransactionCanceledException as error:
                raise StaleRecord(f"Hold '{hold.id}' changed while releasing it.") from error

    def _hold_record_update(self, hold: Hold, status: str, stamps: dict[str, str]) -> TransactWriteItemTypeDef:
        """The record moves from `held` to `status`, with the given attributes set; only once."""
        names = {"#status": "status", **{f"#{name}": name for name in stamps}}
        values = {":held": {"S": "held"}, ":to": {"S": status}, **{f":{name}": {"S": v} for name, v in stamps.items()}}
        assignments = ", ".join(["#status = :to", *(f"#{name} = :{name}" for name in stamps)])
        return {
            "Update": {
                "TableName": self._table,
                "Key": key(doctor_pk(hold.doctor_id), hold_sk(hold.id)),
                "UpdateExpression": f"SET {assignments}",
                "ConditionExpression": "#status = :held",
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        }
