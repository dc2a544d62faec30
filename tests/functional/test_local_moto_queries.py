"""The local runner's Query (one partition, or an index, without sorting the whole table, without copying the
items it answers) answers as moto's."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from moto.dynamodb.models import table as table_module
from moto.dynamodb.models.dynamo_type import Item
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
                "l": {"L": [{"S": "first"}, {"N": str(number)}]},
                "m": {"M": {"deep": {"SS": ["a", "b"]}, "other": {"BOOL": True}}},
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
        "KeyConditionExpression": "PK = :pk AND SK BETWEEN :a AND :b",
        "ProjectionExpression": "SK, #n, absent, l[1], m.deep",  # names, a list element and a nested path
        "ExpressionAttributeNames": {"#n": "n"},
        "ExpressionAttributeValues": {":pk": {"S": "DOCTOR#4"}, ":a": {"S": "SLOT#001"}, ":b": {"S": "SLOT#011"}},
    },
    {
        "KeyConditionExpression": "PK = :pk",
        "ProjectionExpression": "SK, #n, GSI1SK",  # plain names only: kept as they are
        "ExpressionAttributeNames": {"#n": "n"},
        "ExpressionAttributeValues": {":pk": {"S": "DOCTOR#5"}},
        "Limit": 5,
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


@pytest.fixture
def undone(monkeypatch: pytest.MonkeyPatch) -> None:
    """What moto_queries.install replaces, put back after the test."""
    monkeypatch.setattr(Table, "query", Table.query)
    monkeypatch.setattr(Table, "all_items", Table.all_items)
    monkeypatch.setattr(Item, "size", Item.size)
    monkeypatch.setattr(Item, "project", Item.project)
    monkeypatch.setattr(table_module, "copy", vars(table_module)["copy"])
    moto_queries.uninstall()  # moto's own, even when an embedded DynamoDB of an earlier test installed ours


def test_queries_answer_what_moto_answers_page_by_page(undone: None) -> None:
    client = boto3.client("dynamodb")
    fill(client)

    by_moto = answers(client)
    moto_queries.install()
    ours = answers(client)

    assert Table.query.partition_first  # type: ignore[attr-defined]  # the second run used ours
    assert sum(len(pages) for pages in by_moto[:-1]) > len(QUERIES)  # some queries took several pages
    assert ours == by_moto


PROFILE_LIKE = {  # a doctor profile's shape: a map of dates to lists of maps (a year of overrides, made smaller)
    "M": {
        f"2031-{month:02d}-{day:02d}": {"L": [{"M": {"start": {"S": "09:00"}, "end": {"S": "12:00"}}}]}
        for month in range(1, 13)
        for day in range(1, 6)
    }
}
LIST: dict[str, Any] = {
    "IndexName": "GSI1",
    "KeyConditionExpression": "GSI1PK = :g",
    "ExpressionAttributeValues": {":g": {"S": "D"}},
}


def fill_profiles(client: Any) -> None:
    for number in range(30):
        item = {"PK": {"S": f"DOCTOR#{number:02d}"}, "SK": {"S": "PROFILE"}, "overrides": PROFILE_LIKE}
        client.put_item(TableName=TABLE, Item={**item, "GSI1PK": {"S": "D"}, "GSI1SK": {"S": f"N#{number % 7}"}})


def test_a_query_answers_the_stored_items_without_copying_or_sizing_twice(
    undone: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = boto3.client("dynamodb")
    fill_profiles(client)
    by_moto = [every_page(client, **LIST, Limit=limit) for limit in (1, 7, 100)]
    copies: list[Item] = []
    sized: list[Item] = []
    real_copy, real_size = Item.__deepcopy__, Item.size

    def counted_copy(item: Item, memo: dict[int, Any]) -> Item:
        copies.append(item)
        return real_copy(item, memo)

    def counted_size(item: Item) -> int:
        sized.append(item)
        return real_size(item)

    monkeypatch.setattr(Item, "__deepcopy__", counted_copy)
    monkeypatch.setattr(Item, "size", counted_size)  # before install: the size it memoises
    moto_queries.install()
    ours = [every_page(client, **LIST, Limit=limit) for limit in (1, 7)]
    sized.clear()
    ours.append(every_page(client, **LIST, Limit=100))  # one page: every item sized once

    assert ours == by_moto
    assert copies == []  # the answer is written from the stored items (under the read lock, in the runner)
    assert len(sized) == 30
    assert len({id(item) for item in sized}) == 30


def test_a_projecting_query_leaves_the_stored_items_whole(undone: None) -> None:
    client = boto3.client("dynamodb")
    fill_profiles(client)
    moto_queries.install()
    projected = client.query(TableName=TABLE, **LIST, ProjectionExpression="PK, SK")["Items"]
    whole = client.query(TableName=TABLE, **LIST)["Items"]

    assert projected
    assert all(set(item) == {"PK", "SK"} for item in projected)
    assert len(whole) == 30
    assert all(
        item["overrides"] == PROFILE_LIKE and set(item) == {"PK", "SK", "GSI1PK", "GSI1SK", "overrides"}
        for item in whole
    )


def test_a_table_query_walks_only_the_items_within_its_sort_key_condition(
    undone: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = boto3.client("dynamodb")
    fill(client)
    between = QUERIES[2] | {"Limit": 100}
    by_moto = every_page(client, **between)
    sized: list[Item] = []
    real_size = Item.size

    def counted_size(item: Item) -> int:
        sized.append(item)
        return real_size(item)

    monkeypatch.setattr(Item, "size", counted_size)  # before install: the size it memoises
    moto_queries.install()
    ours = every_page(client, **between)

    assert ours == by_moto
    assert len(ours[0][0]) == 8  # SLOT#002 to SLOT#009 of DOCTOR#2's 12
    assert sorted(item.range_key.value for item in sized) == [f"SLOT#{n:03d}" for n in range(2, 10)]  # type: ignore[union-attr]
