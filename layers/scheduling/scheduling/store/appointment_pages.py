"""One page of appointments in start order over a key range: the doctor's list (LSI) and the patient's list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from scheduling.models import Appointment, AppointmentStatus
from scheduling.store.client import translated
from scheduling.store.items import to_appointment
from scheduling.store.keys import ONE_SECOND, utc_key
from scheduling.store.paging import Page, decode_token, encode_token

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient


@dataclass(frozen=True)
class TimeRange:
    """Where a list lives: a partition, a sort key (`SK`, or an index's) whose values are `<prefix><UTC start>#…`."""

    partition: str
    sort_key: str
    prefix: str
    index: str | None = None
    kind: str | None = None  # only items of this kind (a patient's partition also holds the patient's holds)


def appointments_page(
    client: DynamoDBClient,
    table: str,
    where: TimeRange,
    window: tuple[datetime | None, datetime | None],
    status: AppointmentStatus | None,
    limit: int,
    next_token: str | None,
) -> Page[Appointment]:
    """One Query: items whose start lies in `window`, ascending, filtered by `status` (a page may then hold fewer
    than `limit`), continuing from `next_token` only if it was issued for this very range."""
    start, end = window
    values: dict[str, Any] = {
        ":pk": {"S": where.partition},
        ":first": {"S": f"{where.prefix}{utc_key(start)}" if start else where.prefix},
        ":last": {"S": f"{where.prefix}{utc_key(end - ONE_SECOND)}#~" if end else f"{where.prefix}~"},
    }
    query: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": f"PK = :pk AND {where.sort_key} BETWEEN :first AND :last",
        "ExpressionAttributeValues": values,
        "Limit": limit,
        "ConsistentRead": True,
    }
    if where.index:
        query["IndexName"] = where.index
    filters = []
    if status:
        filters.append("#status = :status")
        query["ExpressionAttributeNames"] = {"#status": "status"}
        values[":status"] = {"S": status}
    if where.kind:
        filters.append("kind = :kind")
        values[":kind"] = {"S": where.kind}
    if filters:
        query["FilterExpression"] = " AND ".join(filters)
    if next_token:
        query["ExclusiveStartKey"] = decode_token(
            next_token,
            {"PK", "SK", where.sort_key},
            {"PK": where.partition},
            {where.sort_key: (values[":first"]["S"], values[":last"]["S"])},
        )
    with translated():
        response = client.query(**query)
    return Page([to_appointment(item) for item in response["Items"]], encode_token(response.get("LastEvaluatedKey")))
