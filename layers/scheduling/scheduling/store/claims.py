"""What every claim of a slot key shares (a booking, a hold, an offer, a series): the overlap look before the
write, the doctor's fence check, the slot put, the day lock's bump, and why a claim failed. The item families
(`appointments`, `holds`, `series`, `waitlist`) each hold one `SlotClaims` rather than inherit from each other.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NoReturn

from botocore.exceptions import ClientError

from scheduling.domain.booked import BookedInterval
from scheduling.domain.hold_expiry import lapsed_by, still_takes_its_time
from scheduling.errors import DoctorNotFound, SlotHeld, SlotTaken, StaleRecord
from scheduling.store.client import cancellation_codes, condition_failed, failed_item, only_conflicts, translated
from scheduling.store.items import DayLock, deserialize, settled_bump, version_bump
from scheduling.store.keys import (
    ONE_SECOND,
    SLOT_PREFIX,
    day_sk,
    doctor_pk,
    fence_key,
    key,
    parse_utc,
    slot_sk,
    utc_key,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


class SlotClaims:
    def __init__(self, table: str, client: DynamoDBClient) -> None:
        self._table = table
        self._client = client

    def booked_intervals(
        self, doctor_id: str, start: datetime, end: datetime, longest: timedelta, now: datetime
    ) -> list[BookedInterval]:
        """Appointments, and holds that still take their time at `now` (`domain/hold_expiry.py`: until a margin
        after `expires_at`), that overlap `[start, end)`: one consistent Query (plus pages past 1 MB). Bookings
        are at most `longest` long, so only starts from `start - longest` reach in. Read `now` before calling."""
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND SK BETWEEN :first AND :last",
            "ExpressionAttributeValues": {
                ":pk": {"S": doctor_pk(doctor_id)},
                ":first": {"S": slot_sk(start - longest + ONE_SECOND)},
                ":last": {"S": slot_sk(end - ONE_SECOND)},  # BETWEEN is inclusive; keys have whole seconds
            },
            "ProjectionExpression": "SK, #end, appointment_id, hold_id, expires_at",
            "ExpressionAttributeNames": {"#end": "end"},
            "ConsistentRead": True,
        }
        booked = []
        with translated():
            for item in self.paginate(query):
                held_until = parse_utc(item["expires_at"]["S"]) if "expires_at" in item else None
                if held_until is not None and not still_takes_its_time(held_until, now):
                    continue  # a lapsed hold takes no time, whatever TTL has not yet cleaned up
                interval = BookedInterval(
                    parse_utc(item["SK"]["S"].removeprefix(SLOT_PREFIX)),
                    parse_utc(item["end"]["S"]),
                    (item.get("appointment_id") or item["hold_id"])["S"],
                    held_until,
                )
                if interval.end > start:
                    booked.append(interval)
        return booked

    def refuse_overlaps(
        self,
        doctor_id: str,
        start: datetime,
        end: datetime,
        now: datetime,
        longest: timedelta,
        moving: str | None,
        looked: list[BookedInterval] | None = None,
    ) -> None:
        if looked is None:
            looked = self.booked_intervals(doctor_id, start, end, longest, now)
        for booked in looked:
            if booked.appointment_id == moving or not (booked.start < end and start < booked.end):
                continue
            if booked.held_until is not None:
                raise SlotHeld(doctor_id, start, (booked.start, booked.end))
            raise SlotTaken(doctor_id, start, (booked.start, booked.end))

    def day_bump(self, doctor_id: str, day_lock: DayLock | None, at: datetime) -> list[TransactWriteItemTypeDef]:
        """The day lock's next version, if nobody booked that day since it was counted (daily cap only): the
        version as read, or, not read (`version` None), a lock settled at `at` (the count was made after `at`)."""
        if day_lock is None:
            return []
        day_key = key(doctor_pk(doctor_id), day_sk(day_lock.day))
        if day_lock.version is None:
            return [settled_bump(self._table, day_key, "day", at)]
        return [version_bump(self._table, day_key, "day", day_lock.version, at)]

    def fence_check(self, doctor_id: str, fence: int | None, now: datetime) -> TransactWriteItemTypeDef:
        """The doctor still publishes the hours the booking was checked against (`fence`; None: still exists),
        and no delete holds it."""
        return {
            "ConditionCheck": {
                "TableName": self._table,
                "Key": fence_key(doctor_id),
                "ConditionExpression": f"{'fence = :fence' if fence is not None else 'attribute_exists(PK)'}"
                " AND (attribute_not_exists(closed_until) OR closed_until < :now)",
                "ExpressionAttributeValues": {
                    ":now": {"S": utc_key(now)},
                    **({":fence": {"N": str(fence)}} if fence is not None else {}),
                },
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }

    def doctor_exists(self, doctor_id: str) -> TransactWriteItemTypeDef:
        """The doctor was not deleted: its fence exists (open, or closed by a delete's lease that may yet fail).
        A delete removes the fence in the transaction that removes the profile, so no change commits after it."""
        return {
            "ConditionCheck": {
                "TableName": self._table,
                "Key": fence_key(doctor_id),
                "ConditionExpression": "attribute_exists(PK)",
            }
        }

    def slot_put(self, item: dict[str, Any], now: datetime) -> TransactWriteItemTypeDef:
        """Claim a slot key: free, or held by a hold that has lapsed for everyone but its conversion, a margin
        after it expired (a hold frees itself, no job needed)."""
        return {
            "Put": {
                "TableName": self._table,
                "Item": item,
                # keys have whole seconds: expires_at <= floor(now - margin) exactly when expires_at <= now - margin
                "ConditionExpression": "attribute_not_exists(PK) OR (kind = :hold AND expires_at <= :lapsed_by)",
                "ExpressionAttributeValues": {":hold": {"S": "hold"}, ":lapsed_by": {"S": utc_key(lapsed_by(now))}},
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }

    def raise_claim_failure(self, error: ClientError, doctor_id: str, start: datetime, owner: tuple[str, str]) -> None:
        """Why a claim of a slot key (a booking or a hold) failed; items 0 and 1 are the fence check and the slot
        put. If the slot holds this very claim (`owner`: its id attribute and value), an earlier attempt of this
        call (retried by the SDK after a lost answer) committed it: that is success, and nothing is raised."""
        stored = failed_item(error, 1)
        if is_own(stored, owner):
            return
        if stored:
            raise claimed(doctor_id, start, stored) from error
        raise_fence_failure(error, doctor_id)

    def paginate(self, query: dict[str, Any]) -> Iterator[dict[str, Any]]:
        while True:
            response = self._client.query(**query)
            yield from response["Items"]
            if "LastEvaluatedKey" not in response:
                return
            query = {**query, "ExclusiveStartKey": response["LastEvaluatedKey"]}


def claimed(doctor_id: str, start: datetime, stored: dict[str, Any]) -> SlotTaken:
    """Who holds the slot key a write could not claim: an (unexpired) hold, or an appointment."""
    if deserialize(stored).get("kind") == "hold":
        return SlotHeld(doctor_id, start)
    return SlotTaken(doctor_id, start)


def is_own(stored: dict[str, Any] | None, owner: tuple[str, str]) -> bool:
    attribute, value = owner
    return bool(stored) and deserialize(stored or {}).get(attribute) == value


def raise_fence_failure(error: ClientError, doctor_id: str) -> NoReturn:
    """Why a fenced booking failed when no slot was taken: item 0 (the fence check) failed (the doctor is gone or
    changed), or the transaction met another one or a changed lock; otherwise `error` itself."""
    if condition_failed(error, 0):
        if not failed_item(error, 0):
            raise DoctorNotFound(doctor_id) from error
        raise StaleRecord(f"Doctor '{doctor_id}' changed while booking.") from error
    if only_conflicts(error) or "ConditionalCheckFailed" in cancellation_codes(error):
        # another transaction held the fence, or the day or patient was booked since it was read: look again
        raise StaleRecord(f"Doctor '{doctor_id}' is being booked by another request.") from error
    raise error
