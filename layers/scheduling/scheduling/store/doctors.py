"""Doctor items: the profile, its booking fence (written with it when the fence moves) and its search tags
(written with it whenever they or the bookable summary they carry change, so the index never names a doctor the
profile does not, nor tells hours the profile does not have)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from scheduling.domain.tags import Tag, doctor_tags
from scheduling.errors import DoctorNotFound, ServiceUnavailable, StaleRecord
from scheduling.models import Doctor
from scheduling.store.client import condition_failed, failed_item, only_conflicts, translated
from scheduling.store.items import (
    DoctorRecord,
    bookable_summary,
    doctor_item,
    fence_item,
    tag_item,
    to_doctor_record,
)
from scheduling.store.keys import (
    BY_NAME_INDEX,
    DOCTORS_PARTITION,
    doctor_pk,
    fence_key,
    key,
    profile_key,
    tag_key_part,
    utc_key,
)
from scheduling.store.paging import Page, decode_token, encode_token

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

# The profile is replaced only if nobody wrote it since it was read (version) and no delete has fenced it.
_UNCHANGED = "attribute_exists(PK) AND version = :version AND fence = :fence"


class DoctorItems:
    _table: str
    _client: DynamoDBClient

    def create_doctor(self, doctor: Doctor) -> DoctorRecord:
        record = DoctorRecord(doctor, fence=1)
        items: list[TransactWriteItemTypeDef] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": doctor_item(doctor, 1),
                    "ConditionExpression": "attribute_not_exists(PK)",
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
            {
                "Put": {
                    "TableName": self._table,
                    "Item": fence_item(doctor.id, 1),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
            *self._tag_puts(doctor.id, doctor_tags(doctor), _summary(doctor)),
        ]
        self._write_with_fence(items, doctor.id, written=record)
        return record

    def get_doctor(self, doctor_id: str) -> DoctorRecord:
        with translated():
            response = self._client.get_item(TableName=self._table, Key=profile_key(doctor_id), ConsistentRead=True)
        if "Item" not in response:
            raise DoctorNotFound(doctor_id)
        return to_doctor_record(response["Item"])

    def replace_doctor(self, doctor: Doctor, current: DoctorRecord, *, move_fence: bool) -> DoctorRecord:
        """Write `doctor` if the stored one is still `current`. Moving the fence makes every booking validated
        against `current` fail at commit, so a booking never commits against hours that are gone."""
        fence = current.fence + 1 if move_fence else current.fence
        # the fence's stamp (domain/settled.py): this write's clock, read before it is sent
        moved_at = doctor.updated_at.replace(microsecond=0) if move_fence else current.fence_moved_at
        written = DoctorRecord(doctor, fence, moved_at)
        put: TransactWriteItemTypeDef = {
            "Put": {
                "TableName": self._table,
                "Item": doctor_item(doctor, fence, moved_at),
                "ConditionExpression": _UNCHANGED,
                "ExpressionAttributeValues": _expected(current),
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }
        old_tags, new_tags = doctor_tags(current.doctor), doctor_tags(doctor)
        # both summaries cut at this write's date: equal means the stored ones still tell every future slot
        since = _summary_since(doctor)
        summary = bookable_summary(doctor, since)
        same_summary = bookable_summary(current.doctor, since) == summary
        if not move_fence and old_tags == new_tags and same_summary:
            with translated():
                try:
                    self._client.put_item(**put["Put"])
                except self._client.exceptions.ConditionalCheckFailedException as error:
                    stored: dict[str, Any] | None = error.response.get("Item")  # type: ignore[assignment]
                    if not _is_written(stored, written):
                        raise _missing_or_stale(doctor.id, stored) from error
            return written
        fence_move = [_fence_move(self._table, doctor.id, current.fence, fence)] if move_fence else []
        retagging = [
            *self._tag_deletes(doctor.id, old_tags - new_tags),
            *self._tag_puts(doctor.id, new_tags if not same_summary else new_tags - old_tags, summary),
        ]
        self._write_with_fence([put, *fence_move, *retagging], doctor.id, written=written)
        return written

    def close_doctor(self, current: DoctorRecord, until: datetime, at: datetime) -> DoctorRecord:
        """Move the fence and close it until `until` (a delete's lease): bookings in flight fail, and no new
        booking commits while the lease runs, so what a delete then reads of the bookings is final. `at`: this
        write's clock, read before it is sent (the fence's stamp, domain/settled.py)."""
        doctor_id = current.doctor.id
        closed = DoctorRecord(current.doctor, current.fence + 1, at.replace(microsecond=0))
        self._write_with_fence(
            [
                self._set_profile_fence(current, closed.fence, at),
                _fence_move(self._table, doctor_id, current.fence, closed.fence, closed_until=until),
            ],
            doctor_id,
        )
        return closed

    def reopen_doctor(self, closed: DoctorRecord, at: datetime) -> None:
        """End a delete's lease early (the delete was refused); a failure is harmless, the lease runs out."""
        doctor_id = closed.doctor.id
        reopened = closed.fence + 1
        self._write_with_fence(
            [
                self._set_profile_fence(closed, reopened, at),
                _fence_move(self._table, doctor_id, closed.fence, reopened),
            ],
            doctor_id,
        )

    def delete_doctor(self, closed: DoctorRecord, until: datetime, not_after: datetime) -> None:
        """Delete the profile and fence closed by `close_doctor`, only while that lease still has a margin
        left (`until` > `not_after`): a lease that ran out may have let a booking in."""
        doctor_id = closed.doctor.id
        items: list[TransactWriteItemTypeDef] = [
            {
                "Delete": {
                    "TableName": self._table,
                    "Key": profile_key(doctor_id),
                    "ConditionExpression": _UNCHANGED,
                    "ExpressionAttributeValues": _expected(closed),
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
            {
                "Delete": {
                    "TableName": self._table,
                    "Key": fence_key(doctor_id),
                    "ConditionExpression": "fence = :fence AND closed_until = :until AND closed_until > :margin",
                    "ExpressionAttributeValues": {
                        ":fence": {"N": str(closed.fence)},
                        ":until": {"S": utc_key(until)},
                        ":margin": {"S": utc_key(not_after)},
                    },
                }
            },
            *self._tag_deletes(doctor_id, doctor_tags(closed.doctor)),
        ]
        self._write_with_fence(items, doctor_id)

    def _tag_puts(self, doctor_id: str, tags: frozenset[Tag], summary: str | None) -> list[TransactWriteItemTypeDef]:
        return [{"Put": {"TableName": self._table, "Item": tag_item(doctor_id, tag, summary)}} for tag in sorted(tags)]

    def _tag_deletes(self, doctor_id: str, tags: frozenset[Tag]) -> list[TransactWriteItemTypeDef]:
        return [
            {"Delete": {"TableName": self._table, "Key": key(doctor_pk(doctor_id), tag_key_part(tag))}}
            for tag in sorted(tags)
        ]

    def _set_profile_fence(self, current: DoctorRecord, fence: int, at: datetime) -> TransactWriteItemTypeDef:
        return {
            "Update": {
                "TableName": self._table,
                "Key": profile_key(current.doctor.id),
                "UpdateExpression": "SET fence = :next, fence_moved_at = :at",
                "ConditionExpression": _UNCHANGED,
                "ExpressionAttributeValues": {
                    **_expected(current),
                    ":next": {"N": str(fence)},
                    ":at": {"S": utc_key(at)},
                },
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }

    def list_doctors(self, limit: int, next_token: str | None) -> Page[DoctorRecord]:
        query: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": BY_NAME_INDEX,
            "KeyConditionExpression": "GSI1PK = :doctors",
            "ExpressionAttributeValues": {":doctors": {"S": DOCTORS_PARTITION}},
            "Limit": limit,
        }
        if next_token:
            query["ExclusiveStartKey"] = decode_token(
                next_token, {"PK", "SK", "GSI1PK", "GSI1SK"}, {"GSI1PK": DOCTORS_PARTITION}
            )
        with translated():
            response = self._client.query(**query)
        return Page(
            [to_doctor_record(item) for item in response["Items"]],
            encode_token(response.get("LastEvaluatedKey")),
        )

    def _write_with_fence(
        self, items: list[TransactWriteItemTypeDef], doctor_id: str, written: DoctorRecord | None = None
    ) -> None:
        """Item 0 is the profile; a failed condition there means the doctor is gone or changed, unless the stored
        profile is `written`, the one this very write puts: then an earlier attempt of it (the SDK's retry after
        a lost answer) committed, and the write is done."""
        with translated():
            try:
                self._client.transact_write_items(TransactItems=items)
            except self._client.exceptions.TransactionCanceledException as error:
                if written is not None and _is_written(failed_item(error, 0), written):
                    return
                raise _transaction_failure(doctor_id, error) from error


def _summary_since(doctor: Doctor) -> date:
    """The first local date a summary written now keeps overrides for: the write's UTC date less a day (no time
    zone's date is further behind UTC)."""
    return doctor.updated_at.astimezone(UTC).date() - timedelta(days=1)


def _summary(doctor: Doctor) -> str | None:
    return bookable_summary(doctor, _summary_since(doctor))


def _expected(current: DoctorRecord) -> dict[str, Any]:
    return {":version": {"N": str(current.doctor.version)}, ":fence": {"N": str(current.fence)}}


def _fence_move(
    table: str, doctor_id: str, current: int, moved: int, closed_until: datetime | None = None
) -> TransactWriteItemTypeDef:
    return {
        "Put": {
            "TableName": table,
            "Item": fence_item(doctor_id, moved, closed_until),
            "ConditionExpression": "fence = :fence",
            "ExpressionAttributeValues": {":fence": {"N": str(current)}},
        }
    }


def _transaction_failure(doctor_id: str, error: ClientError) -> Exception:
    if condition_failed(error, 0):
        return _missing_or_stale(doctor_id, failed_item(error, 0))
    if only_conflicts(error) or condition_failed(error, 1):
        return StaleRecord(f"Doctor '{doctor_id}' is being changed by another request.")
    return ServiceUnavailable("The database is busy; retry later.")


def _is_written(stored: dict[str, Any] | None, written: DoctorRecord) -> bool:
    """Whether the stored profile is exactly the one a write puts (same version and `updated_at` stamp too)."""
    return bool(stored) and to_doctor_record(stored or {}) == written


def _missing_or_stale(doctor_id: str, stored: dict[str, Any] | None) -> Exception:
    if not stored:
        return DoctorNotFound(doctor_id)
    return StaleRecord(f"Doctor '{doctor_id}' has changed since it was read.")
