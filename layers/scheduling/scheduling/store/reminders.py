"""Reminders sent: one small item per appointment and offset, put only if absent, so a reminder that its
schedule delivers twice (EventBridge Scheduler delivers at least once) is published once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from scheduling.store.client import translated
from scheduling.store.items import serialize
from scheduling.store.keys import doctor_pk, key

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

REMINDED_KEPT = timedelta(days=30)  # DynamoDB TTL removes the mark this long after the reminder


def reminded_sk(appointment_id: str, minutes: int) -> str:
    return f"REMINDED#{appointment_id}#{minutes}"


class ReminderItems:
    _table: str
    _client: DynamoDBClient

    def claim_reminder(self, doctor_id: str, appointment_id: str, minutes: int, at: datetime) -> bool:
        """Mark the reminder sent; False if it was marked already."""
        item = serialize(
            {
                "PK": doctor_pk(doctor_id),
                "SK": reminded_sk(appointment_id, minutes),
                "kind": "reminded",
                "ttl": int((at + REMINDED_KEPT).timestamp()),
            }
        )
        with translated():
            try:
                self._client.put_item(TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(PK)")
            except self._client.exceptions.ConditionalCheckFailedException:
                return False
        return True

    def unclaim_reminder(self, doctor_id: str, appointment_id: str, minutes: int) -> None:
        """Its publication failed: let the scheduler's retry send it."""
        with translated():
            self._client.delete_item(
                TableName=self._table, Key=key(doctor_pk(doctor_id), reminded_sk(appointment_id, minutes))
            )
