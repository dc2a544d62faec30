"""The only module that talks to DynamoDB: keys, conditional writes, pagination and error translation.

Table layout (docs/data-model.md), all items of a doctor under one partition `DOCTOR#<id>`:
- `PROFILE`                          the doctor; GSI1 (`DOCTORS`, `<name>#<id>`) lists doctors by name
- `SLOT#<start UTC>`                 a booked appointment; the key itself makes the slot unique
- `CANCELLED#<start UTC>#<appt id>`  a cancelled appointment, kept forever
Both appointment kinds carry LSI1SK `APPT#<start UTC>#<appt id>`, so one Query lists or finds them.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError
from pydantic import BaseModel

from scheduling.config import Settings
from scheduling.errors import (
    AppointmentNotActive,
    AppointmentNotFound,
    DoctorNotFound,
    FieldProblem,
    InvalidInput,
    PreconditionFailed,
    ServiceUnavailable,
    SlotTaken,
)
from scheduling.models import Appointment, AppointmentStatus, Doctor

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

T = TypeVar("T")
ONE_SECOND = timedelta(seconds=1)
PROFILE = "PROFILE"
DOCTORS_PARTITION = "DOCTORS"
BY_NAME_INDEX = "GSI1"
BY_START_INDEX = "LSI1"

# Fitted to the 15 s Lambda timeout: a throttled call fails fast and is retried twice with jittered backoff
# (under 1 s, then under 2 s), so even the three calls of a reschedule give up in about 10 s and answer 503.
# DynamoDB answers in milliseconds; 0.5 s to connect and 1 s to read only trip on a sick network.
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 3},  # first try + 2 retries
    connect_timeout=0.5,
    read_timeout=1,
    tcp_keepalive=True,
    # The store builds every request itself and DynamoDB validates them again; botocore's client-side walk
    # over the parameters was the largest single cost of a warm request (docs/performance.md).
    parameter_validation=False,
)
UNAVAILABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionConflictException",
        "TransactionInProgressException",
    }
)

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


@cache
def dynamodb_client(endpoint_url: str | None = None) -> DynamoDBClient:
    """One client per container, created on first use."""
    return boto3.client("dynamodb", endpoint_url=endpoint_url, config=CLIENT_CONFIG)


def store_for(settings: Settings) -> SchedulingStore:
    return SchedulingStore(settings.table_name, dynamodb_client(settings.dynamodb_endpoint_url))


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_token: str | None


def utc_key(instant: datetime) -> str:
    """Fixed-width UTC text, so keys sort in time order."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def doctor_pk(doctor_id: str) -> str:
    return f"DOCTOR#{doctor_id}"


def slot_sk(start: datetime) -> str:
    return f"SLOT#{utc_key(start)}"


def appointment_lsi_sk(start: datetime, appointment_id: str) -> str:
    return f"APPT#{utc_key(start)}#{appointment_id}"


class SchedulingStore:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = client

    # Doctors

    def create_doctor(self, doctor: Doctor) -> None:
        with _translated():
            try:
                self._client.put_item(
                    TableName=self._table,
                    Item=_doctor_item(doctor),
                    ConditionExpression="attribute_not_exists(PK)",
                )
            except self._client.exceptions.ConditionalCheckFailedException as error:
                # Ids are random 128-bit values: a collision means a bug, not a user error.
                raise RuntimeError(f"doctor id {doctor.id} already exists") from error

    def get_doctor(self, doctor_id: str) -> Doctor:
        with _translated():
            response = self._client.get_item(
                TableName=self._table,
                Key=_key(doctor_pk(doctor_id), PROFILE),
                ConsistentRead=True,
            )
        if "Item" not in response:
            raise DoctorNotFound(doctor_id)
        return _to_doctor(response["Item"])

    def replace_doctor(self, doctor: Doctor, expected_version: int) -> None:
        """Write `doctor` if the stored one still has `expected_version`."""
        with _translated():
            try:
                self._client.put_item(
                    TableName=self._table,
                    Item=_doctor_item(doctor),
                    ConditionExpression="attribute_exists(PK) AND version = :expected",
                    ExpressionAttributeValues={":expected": {"N": str(expected_version)}},
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
            except self._client.exceptions.ConditionalCheckFailedException as error:
                raise _missing_or_changed(doctor.id, error) from error

    def delete_doctor(self, doctor_id: str, expected_version: int) -> None:
        with _translated():
            try:
                self._client.delete_item(
                    TableName=self._table,
                    Key=_key(doctor_pk(doctor_id), PROFILE),
                    ConditionExpression="attribute_exists(PK) AND version = :expected",
                    ExpressionAttributeValues={":expected": {"N": str(expected_version)}},
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
            except self._client.exceptions.ConditionalCheckFailedException as error:
                raise _missing_or_changed(doctor_id, error) from error

    def list_doctors(self, limit: int, next_token: str | None) -> Page[Doctor]:
        query: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": BY_NAME_INDEX,
            "KeyConditionExpression": "GSI1PK = :doctors",
            "ExpressionAttributeValues": {":doctors": {"S": DOCTORS_PARTITION}},
            "Limit": limit,
        }
        if next_token:
            query["ExclusiveStartKey"] = _decode_token(
                next_token, {"PK", "SK", "GSI1PK", "GSI1SK"}, {"GSI1PK": DOCTORS_PARTITION}
            )
        with _translated():
            response = self._client.query(**query)
        return Page(
            [_to_doctor(item) for item in response["Items"]],
            _encode_token(response.get("LastEvaluatedKey")),
        )

    # Bookings

    def booked_slot_starts(self, doctor_id: str, start: datetime, end: datetime) -> set[datetime]:
        """Starts of the doctor's booked slots in `[start, end)`: one Query (plus pages past 1 MB)."""
        starts: set[datetime] = set()
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND SK BETWEEN :first AND :last",
            "ExpressionAttributeValues": {
                ":pk": {"S": doctor_pk(doctor_id)},
                ":first": {"S": slot_sk(start)},
                ":last": {"S": slot_sk(end - ONE_SECOND)},  # BETWEEN is inclusive; keys have whole seconds
            },
            "ProjectionExpression": "SK",
            "ConsistentRead": True,
        }
        with _translated():
            for item in self._paginate(query):
                starts.add(_parse_utc(item["SK"]["S"].removeprefix("SLOT#")))
        return starts

    def has_booking_from(self, doctor_id: str, start: datetime) -> bool:
        with _translated():
            response = self._client.query(
                TableName=self._table,
                KeyConditionExpression="PK = :pk AND SK BETWEEN :first AND :last",
                ExpressionAttributeValues={
                    ":pk": {"S": doctor_pk(doctor_id)},
                    ":first": {"S": slot_sk(start)},
                    ":last": {"S": "SLOT#~"},
                },
                ProjectionExpression="SK",
                Limit=1,
                ConsistentRead=True,
            )
        return bool(response["Items"])

    def book(self, appointment: Appointment) -> None:
        """One conditional PutItem on the doctor-slot key: the database decides who gets the slot."""
        with _translated():
            try:
                self._client.put_item(
                    TableName=self._table,
                    Item=_booked_item(appointment),
                    ConditionExpression="attribute_not_exists(PK)",
                )
            except self._client.exceptions.ConditionalCheckFailedException as error:
                raise SlotTaken(appointment.doctor_id, appointment.start) from error

    def get_appointment(self, doctor_id: str, appointment_id: str, start: datetime) -> Appointment:
        """The booked or cancelled appointment: both share one LSI key, and only one of them exists."""
        with _translated():
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
        return _to_appointment(response["Items"][0])

    def list_appointments(
        self,
        doctor_id: str,
        start: datetime | None,
        end: datetime | None,
        status: AppointmentStatus | None,
        limit: int,
        next_token: str | None,
    ) -> Page[Appointment]:
        values: dict[str, Any] = {
            ":pk": {"S": doctor_pk(doctor_id)},
            ":first": {"S": f"APPT#{utc_key(start)}" if start else "APPT#"},
            ":last": {"S": f"APPT#{utc_key(end - ONE_SECOND)}#~" if end else "APPT#~"},
        }
        query: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": BY_START_INDEX,
            "KeyConditionExpression": "PK = :pk AND LSI1SK BETWEEN :first AND :last",
            "ExpressionAttributeValues": values,
            "Limit": limit,
            "ConsistentRead": True,
        }
        if status:
            query["FilterExpression"] = "#status = :status"
            query["ExpressionAttributeNames"] = {"#status": "status"}
            values[":status"] = {"S": status}
        if next_token:
            query["ExclusiveStartKey"] = _decode_token(next_token, {"PK", "SK", "LSI1SK"}, {"PK": doctor_pk(doctor_id)})
        with _translated():
            response = self._client.query(**query)
        return Page(
            [_to_appointment(item) for item in response["Items"]],
            _encode_token(response.get("LastEvaluatedKey")),
        )

    def cancel(self, cancelled: Appointment) -> None:
        """Free the slot and keep the cancelled record, atomically."""
        with _translated():
            try:
                self._client.transact_write_items(TransactItems=self._cancel_items(cancelled))
            except self._client.exceptions.TransactionCanceledException as error:
                if "ConditionalCheckFailed" in _cancellation_codes(error):
                    raise AppointmentNotActive(f"Appointment '{cancelled.id}' is no longer booked.") from error
                raise ServiceUnavailable("The cancellation could not be written; retry later.") from error

    def reschedule(self, new: Appointment, cancelled_old: Appointment) -> None:
        """Book the new slot and cancel the old appointment in one transaction."""
        items: list[TransactWriteItemTypeDef] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": _booked_item(new),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
            *self._cancel_items(cancelled_old),
        ]
        with _translated():
            try:
                self._client.transact_write_items(TransactItems=items)
            except self._client.exceptions.TransactionCanceledException as error:
                reasons = _cancellation_codes(error)
                if reasons[:1] == ["ConditionalCheckFailed"]:
                    raise SlotTaken(new.doctor_id, new.start) from error
                if "ConditionalCheckFailed" in reasons:
                    raise AppointmentNotActive(f"Appointment '{cancelled_old.id}' is no longer booked.") from error
                raise ServiceUnavailable("The booking could not be written; retry later.") from error

    def _cancel_items(self, cancelled: Appointment) -> list[TransactWriteItemTypeDef]:
        return [
            {
                "Delete": {
                    "TableName": self._table,
                    "Key": _key(doctor_pk(cancelled.doctor_id), slot_sk(cancelled.start)),
                    "ConditionExpression": "appointment_id = :id",
                    "ExpressionAttributeValues": {":id": {"S": cancelled.id}},
                }
            },
            {
                "Put": {
                    "TableName": self._table,
                    "Item": _cancelled_item(cancelled),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
        ]

    def _paginate(self, query: dict[str, Any]) -> Iterator[dict[str, Any]]:
        while True:
            response = self._client.query(**query)
            yield from response["Items"]
            if "LastEvaluatedKey" not in response:
                return
            query = {**query, "ExclusiveStartKey": response["LastEvaluatedKey"]}


@contextmanager
def _translated() -> Iterator[None]:
    """Throttling, timeouts and server faults that outlast botocore's retries become `ServiceUnavailable`."""
    try:
        yield
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in UNAVAILABLE_CODES:
            raise ServiceUnavailable("The database is busy; retry later.") from error
        if code == "TransactionCanceledException" and "ConditionalCheckFailed" not in _cancellation_codes(error):
            raise ServiceUnavailable("The database is busy; retry later.") from error
        raise
    except (BotoConnectionError, HTTPClientError) as error:  # connect/read timeouts, endpoint unreachable
        raise ServiceUnavailable("The database did not answer in time; retry later.") from error


def _cancellation_codes(error: ClientError) -> list[str]:
    """Per-item reasons of a cancelled transaction, in item order ('None' for items that were fine)."""
    return [str(reason.get("Code")) for reason in error.response.get("CancellationReasons", [])]


def _missing_or_changed(doctor_id: str, error: Exception) -> Exception:
    old = getattr(error, "response", {}).get("Item")
    if not old:
        return DoctorNotFound(doctor_id)
    return PreconditionFailed(f"Doctor '{doctor_id}' has changed since the version named in If-Match.")


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


def _serialize(attributes: dict[str, Any]) -> dict[str, Any]:
    return {name: _serializer.serialize(value) for name, value in attributes.items() if value is not None}


def _deserialize(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _deserializer.deserialize(value) for name, value in item.items()}


def _doctor_item(doctor: Doctor) -> dict[str, Any]:
    return _serialize(
        {
            "PK": doctor_pk(doctor.id),
            "SK": PROFILE,
            "GSI1PK": DOCTORS_PARTITION,
            "GSI1SK": f"{doctor.name.casefold()}#{doctor.id}",
            "kind": "doctor",
            "version": doctor.version,
            **doctor.model_dump(mode="json"),
        }
    )


def _to_doctor(item: dict[str, Any]) -> Doctor:
    return Doctor.model_validate(_model_fields(Doctor, _deserialize(item)))


def _appointment_attributes(appointment: Appointment) -> dict[str, Any]:
    return {
        "PK": doctor_pk(appointment.doctor_id),
        "LSI1SK": appointment_lsi_sk(appointment.start, appointment.id),
        "kind": "appointment",
        "appointment_id": appointment.id,
        **appointment.model_dump(mode="json", exclude={"start", "end"}),
        "start": utc_key(appointment.start),
        "end": utc_key(appointment.end),
    }


def _booked_item(appointment: Appointment) -> dict[str, Any]:
    return _serialize({**_appointment_attributes(appointment), "SK": slot_sk(appointment.start)})


def _cancelled_item(appointment: Appointment) -> dict[str, Any]:
    sk = f"CANCELLED#{utc_key(appointment.start)}#{appointment.id}"
    return _serialize({**_appointment_attributes(appointment), "SK": sk})


def _to_appointment(item: dict[str, Any]) -> Appointment:
    return Appointment.model_validate(_model_fields(Appointment, _deserialize(item))).in_own_timezone()


def _model_fields(model: type[BaseModel], attributes: dict[str, Any]) -> dict[str, Any]:
    """Drop key and index attributes; numbers come back as Decimal, which pydantic turns into int."""
    return {name: value for name, value in attributes.items() if name in model.model_fields}


def _parse_utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _encode_token(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    raw = json.dumps({name: value["S"] for name, value in last_key.items()}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_token(token: str, names: set[str], fixed: dict[str, str]) -> dict[str, Any]:
    """Accept only tokens this API could have issued for this very query."""
    invalid = InvalidInput([FieldProblem("next_token", "is not a token this API issued for this list")])
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise invalid from None
    valid = (
        isinstance(decoded, dict)
        and set(decoded) == names
        and all(isinstance(value, str) and 0 < len(value) <= 1024 for value in decoded.values())
        and all(decoded[name] == value for name, value in fixed.items())
    )
    if not valid:
        raise invalid
    return {name: {"S": value} for name, value in decoded.items()}
