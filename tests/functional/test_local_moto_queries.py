"""The local runner's Query (one partition, or an index, without sorting the whole table) answers as moto's."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from moto.dynamodb.models.table import Table

from local import moto_queries
from tests.functional.conftest import TABLES

pytestmark = pytest.mark.usefixtures("aws")

TABLE = TABLES["SchedulingTable"]


def fill(client: Any) -> None:
    for partition in range(6):
        for number in range(12):
            item = {
                "PK": {"S": f"DOCTOR#{partition}"},
                "SK": {"S": f"SLOT#{number:03d}"},
                "n": {"N": str(number % 5)},
            }
            if number % 3:  # only some items are in the index, and several share its keys
                item["GSI1PK"] = {"S": f"GROUP#{number % 2}"}
                item["GSI1SK"] = {"S": f"NAME#{number % 4}"}
            client.put_item(TableName=TABLE, Item=item)


def every_page(client: Any, **query: Any) -> list[Any]:
    pages = []
    while True:
        answer = client.query(TableName=TABLE, **query)
        pages.append((answer["Items"], answer["Count"], answer["ScannedCount"], answer.get("LastEvaluatedKey")))
        if "LastEvaluatedKey" not in answer:
            return pages
        query["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


QUERIES: list[dict[str, Any]] = [
    {"KeyConditionExpression": "PK = :pk", "ExpressionAttributeValues": {":pk": {"S": "DOCTOR#3"}}},
    {"KeyConditionExpression": "PK = :pk", "ExpressionAttributeValues": {":pk": {"S": "DOCTOR#nobody"}}},
    {
        "KeyConditionExpression": "PK = :pk AND SK BETWEEN :a AND :b",
        "ExpressionAttributeValues": {":pk": {"S": "DOCTOR#2"}, ":a": {"S": "SLOT#002"}, ":b": {"S": "SLOT#009"}},
        "ScanIndexForward": False,
        "Limit": 3,
    },
    {
        "KeyConditionExpression": "PK = :pk AND begins_with(SK, :s)",
        "FilterExpression": "n > :one",
        "ExpressionAttributeValues": {":pk": {"S": "DOCTOR#1"}, ":s": {"S": "SLOT#00"}, ":one": {"N": "1"}},
        "Limit": 4,
    },
    {
        "IndexName": "GSI1",
        "KeyConditionExpression": "GSI1PK = :g",
        "ExpressionAttributeValues": {":g": {"S": "GROUP#1"}},
    },
    {
        "IndexName": "GSI1",
        "KeyConditionExpression": "GSI1PK = :g AND GSI1SK >= :from",
        "ExpressionAttributeValues": {":g": {"S": "GROUP#0"}, ":from": {"S": "NAME#2"}},
        "ScanIndexForward": False,
        "Limit": 5,
    },
]


def answers(client: Any) -> list[Any]:
    return [every_page(client, **query) for query in QUERIES] + [client.scan(TableName=TABLE, Limit=7)["Items"]]


def test_queries_answer_what_moto_answers_page_by_page(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Table, "query", Table.query)  # undone after the test
    monkeypatch.setattr(Table, "all_items", Table.all_items)
    client = boto3.client("dynamodb")
    fill(client)

    by_moto = answers(client)
    moto_queries.install()
    ours = answers(client)

    assert Table.query.partition_first  # type: ignore[attr-defined]  # the second run used ours
    assert sum(len(pages) for pages in by_moto[:-1]) > len(QUERIES)  # some queries took several pages
    assert ours == by_moto
