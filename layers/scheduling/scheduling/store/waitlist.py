"""Waitlist items: entries oldest first, a lock per patient and doctor, and offers written with their hold.

- `WAIT#<entry id>`      an entry; ids begin with the join time (microseconds), so the key order is join order.
- `WAITLOCK#<patient>`   the patient's active windows on this doctor's list and a version. A join reads it,
                         checks the new window against the active ones, and commits only if the version is still
                         the one read: of two overlapping joins one fails and looks again (409).
An offer is ONE transaction: the hold (the same pieces as a hold: fence check, slot claim, record, day lock,
patient lock and entry) plus the entry's move `waiting -> offered`, conditional on its status. So a freed slot
(one slot key) is offered to one entry once, and an entry never holds two offers.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from scheduling.errors import StaleRecord, WaitlistEntryNotFound
from scheduling.models import Hold, rfc3339
from scheduling.models.base import STORED
from scheduling.models.waitlist import WaitlistEntry, WaitlistStatus
from scheduling.store.claims import SlotClaims
from scheduling.store.client import condition_failed, failed_item, translated
from scheduling.store.items import (
    DayLock,
    PatientLock,
    deserialize,
    hold_lock_item,
    hold_record_item,
    serialize,
)
from scheduling.store.keys import WAIT_LOCK_PREFIX, WAIT_PREFIX, WAITLIST_ENTRY, doctor_pk, key
from scheduling.store.paging import Page, decode_token, encode_token
from scheduling.store.patients import PatientWrites

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


class EntryNotWaiting(StaleRecord):
    """The entry was offered, booked or removed meanwhile: offer the slot to the next one."""


def wait_sk(entry_id: str) -> str:
    return f"{WAIT_PREFIX}{entry_id}"


def _lock_key(doctor_id: str, patient_id: str) -> dict[str, Any]:
    return key(doctor_pk(doctor_id), f"{WAIT_LOCK_PREFIX}{patient_id}")


class WaitlistItems:
    _table: str
    _client: DynamoDBClient
    _claims: SlotClaims
    _patients: PatientWrites

    def waitlist_lock(self, doctor_id: str, patient_id: str) -> tuple[int, dict[str, str]]:
        """The lock's version and the patient's active windows on the doctor's list (entry id -> `from|to`)."""
        with translated():
            response = self._client.get_item(
                TableName=self._table, Key=_lock_key(doctor_id, patient_id), ConsistentRead=True
            )
        item = deserialize(response.get("Item", {}))
        return int(item.get("version", 0)), dict(item.get("windows") or {})

    def join_waitlist(self, entry: WaitlistEntry, read_version: int, windows: dict[str, str]) -> WaitlistEntry:
        """Store the entry, and the lock with its window added, if the lock is still at `read_version`."""
        lock = {
            **_lock_key(entry.doctor_id, entry.patient_id),
            **serialize({"kind": "waitlist-lock", "version": read_version + 1}),
            "windows": {"M": {name: {"S": text} for name, text in {**windows, entry.id: window_text(entry)}.items()}},
        }
        items: list[TransactWriteItemTypeDef] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": lock,
                    "ConditionExpression": "attribute_not_exists(PK) OR version = :read",
                    "ExpressionAttributeValues": {":read": {"N": str(read_version)}},
                }
            },
            {
                "Put": {
                    "TableName": self._table,
                    "Item": entry_item(entry),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
        ]
        with translated():
            try:
                self._client.transact_write_items(TransactItems=items)
            except self._client.exceptions.TransactionCanceledException as error:
                raise StaleRecord("The patient's waitlist entries changed while joining.") from error
        return entry

    def get_waitlist_entry(self, doctor_id: str, entry_id: str) -> WaitlistEntry:
        with translated():
            response = self._client.get_item(
                TableName=self._table, Key=key(doctor_pk(doctor_id), wait_sk(entry_id)), ConsistentRead=True
            )
        if "Item" not in response:
            raise WaitlistEntryNotFound(doctor_id, entry_id)
        return to_entry(response["Item"])

    def list_waitlist(
        self, doctor_id: str, status: WaitlistStatus | None, limit: int, next_token: str | None
    ) -> Page[WaitlistEntry]:
        """Entries oldest first: one Query per page (filtered by status, so a page may hold fewer)."""
        pk = doctor_pk(doctor_id)
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":prefix": {"S": WAIT_PREFIX}},
            "ConsistentRead": True,
            "Limit": limit,
        }
        if status is not None:
            query["FilterExpression"] = "#status = :status"
            query["ExpressionAttributeNames"] = {"#status": "status"}
            query["ExpressionAttributeValues"][":status"] = {"S": status}
        if next_token is not None:
            query["ExclusiveStartKey"] = decode_token(
                next_token, {"PK", "SK"}, {"PK": pk}, {"SK": (WAIT_PREFIX, f"{WAIT_PREFIX}~")}
            )
        with translated():
            response = self._client.query(**query)
        items = [to_entry(item) for item in response["Items"]]
        return Page(items, encode_token(response.get("LastEvaluatedKey")))

    def waiting_entries(self, doctor_id: str) -> list[WaitlistEntry]:
        """Every waiting entry of the doctor, oldest first (all pages)."""
        entries: list[WaitlistEntry] = []
        token = None
        while True:
            page = self.list_waitlist(doctor_id, "waiting", 100, token)
            entries += page.items
            if page.next_token is None:
                return entries
            token = page.next_token

    def remove_from_waitlist(self, entry: WaitlistEntry, at: datetime) -> WaitlistEntry:
        """The entry leaves the list (from `waiting` or `offered`) and its window leaves the lock, atomically."""
        removed = entry.model_copy(update={"status": "removed", "removed_at": at})
        items = [
            self._entry_move(entry, ("waiting", "offered"), {"status": "removed", "removed_at": rfc3339(at)}),
            self._window_gone(entry),
        ]
        with translated():
            try:
                self._client.transact_write_items(TransactItems=items)
            except self._client.exceptions.TransactionCanceledException as error:
                raise StaleRecord(f"Waitlist entry '{entry.id}' changed while removing it.") from error
        return removed

    def offer(
        self,
        entry: WaitlistEntry,
        hold: Hold,
        fence: int,
        longest: timedelta,
        day_lock: DayLock | None,
        patient_lock: PatientLock | None,
    ) -> None:
        """The hold for the entry's patient and the entry's move to `offered`, all or nothing. Raises `SlotTaken`
        (the slot is claimed: nobody gets it from this offer), `EntryNotWaiting`, or `StaleRecord` (look again)."""
        now = hold.created_at
        self._claims.refuse_overlaps(hold.doctor_id, hold.start, hold.end, now, longest, moving=None)
        marked = {WAITLIST_ENTRY: {"S": entry.id}}
        items: list[TransactWriteItemTypeDef] = [
            self._claims.fence_check(hold.doctor_id, fence, now),
            self._claims.slot_put({**hold_lock_item(hold), **marked}, now),
            {
                "Put": {
                    "TableName": self._table,
                    "Item": {**hold_record_item(hold, patient_lock), **marked},
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
            *self._claims.day_bump(hold.doctor_id, day_lock, now),
            *self._patients.lock_and_entry(hold, patient_lock),
            self._entry_move(
                entry,
                ("waiting",),
                {
                    "status": "offered",
                    "hold_id": hold.id,
                    "offer_expires_at": rfc3339(hold.expires_at),
                    "offered_start": rfc3339(hold.start),
                },
            ),
        ]
        with translated():
            try:
                self._client.transact_write_items(TransactItems=items)
            except self._client.exceptions.TransactionCanceledException as error:
                own = deserialize(failed_item(error, 1) or {}).get("hold_id") == hold.id
                if not own and condition_failed(error, len(items) - 1):
                    raise EntryNotWaiting(f"Waitlist entry '{entry.id}' is no longer waiting.") from error
                self._claims.raise_claim_failure(error, hold.doctor_id, hold.start, ("hold_id", hold.id))

    def offer_ended(self, doctor_id: str, entry_id: str, hold_id: str) -> bool:
        """An offer expired or was released: the entry waits again, in its place. False if it had moved on."""
        with translated():
            try:
                self._client.update_item(
                    TableName=self._table,
                    Key=key(doctor_pk(doctor_id), wait_sk(entry_id)),
                    UpdateExpression="SET #status = :waiting",
                    ConditionExpression="#status = :offered AND hold_id = :hold",
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues={
                        ":waiting": {"S": "waiting"},
                        ":offered": {"S": "offered"},
                        ":hold": {"S": hold_id},
                    },
                )
            except self._client.exceptions.ConditionalCheckFailedException:
                return False
        return True

    def offer_booked(self, entry: WaitlistEntry, hold_id: str, appointment_id: str) -> bool:
        """The offered hold became an appointment: the entry is `booked` and leaves the patient's lock."""
        items = [
            self._entry_move(
                entry, ("offered", "waiting"), {"status": "booked", "appointment_id": appointment_id}, hold_id
            ),
            self._window_gone(entry),
        ]
        with translated():
            try:
                self._client.transact_write_items(TransactItems=items)
            except self._client.exceptions.TransactionCanceledException:
                return False  # already booked (a redelivered record) or removed
        return True

    def _entry_move(
        self, entry: WaitlistEntry, from_statuses: tuple[str, ...], sets: dict[str, str], hold_id: str | None = None
    ) -> TransactWriteItemTypeDef:
        statuses = {f":from{index}": {"S": status} for index, status in enumerate(from_statuses)}
        names = {f"#{name}": name for name in sets}
        values: dict[str, Any] = {f":{name}": {"S": value} for name, value in sets.items()}
        condition = f"#status IN ({', '.join(statuses)})"
        if hold_id is not None:
            condition += " AND hold_id = :offered_hold"
            values[":offered_hold"] = {"S": hold_id}
        return {
            "Update": {
                "TableName": self._table,
                "Key": key(doctor_pk(entry.doctor_id), wait_sk(entry.id)),
                "UpdateExpression": "SET " + ", ".join(f"#{name} = :{name}" for name in sets),
                "ConditionExpression": condition,
                "ExpressionAttributeNames": {**names, "#status": "status"},
                "ExpressionAttributeValues": {**values, **statuses},
            }
        }

    def _window_gone(self, entry: WaitlistEntry) -> TransactWriteItemTypeDef:
        """The entry's window leaves the patient's lock (freeing needs no version check, but moves it)."""
        return {
            "Update": {
                "TableName": self._table,
                "Key": _lock_key(entry.doctor_id, entry.patient_id),
                "UpdateExpression": "REMOVE windows.#id SET version = version + :one",
                "ExpressionAttributeNames": {"#id": entry.id},
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }
        }


def window_text(entry: WaitlistEntry) -> str:
    return f"{rfc3339(entry.from_)}|{rfc3339(entry.to)}"


def window_of(text: str) -> tuple[datetime, datetime]:
    first, last = text.split("|")
    return datetime.fromisoformat(first), datetime.fromisoformat(last)


def entry_item(entry: WaitlistEntry) -> dict[str, Any]:
    return serialize(
        {
            "PK": doctor_pk(entry.doctor_id),
            "SK": wait_sk(entry.id),
            "kind": "waitlist",
            **entry.model_dump(mode="json", by_alias=True),
        }
    )


def to_entry(item: dict[str, Any]) -> WaitlistEntry:
    fields = deserialize(item)
    names = {field.alias or name for name, field in WaitlistEntry.model_fields.items()}
    return WaitlistEntry.model_validate(
        {name: value for name, value in fields.items() if name in names}, context=STORED
    )
