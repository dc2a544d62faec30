"""The local runner's plain-JSON answers to moto's item reads are the documents moto's own serializer writes."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from moto.dynamodb.responses import DynamoHandler, DynamoResult
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

from local import moto_serializer
from tests.functional.conftest import TABLES

pytestmark = pytest.mark.usefixtures("aws")

TABLE = TABLES["SchedulingTable"]
EVERY_TYPE: dict[str, Any] = {
    "s": {"S": 'text with "quotes", ü and \u2603'},
    "n": {"N": "-12.50"},
    "b": {"B": b"\x00\x01binary\xff"},
    "ss": {"SS": ["a", "b"]},
    "ns": {"NS": ["1", "2.5"]},
    "bs": {"BS": [b"\x00", b"\xff"]},
    "bool": {"BOOL": True},
    "null": {"NULL": True},
    "l": {"L": [{"S": "x"}, {"N": "1"}, {"B": b"\x02"}, {"M": {"deep": {"L": [{"BOOL": False}]}}}]},
    "m": {"M": {"2026-12-24": {"L": [{"M": {"start": {"S": "09:00"}, "end": {"S": "12:00"}}}]}, "e": {"M": {}}}},
    "empty_l": {"L": []},
}


def key(sk: str) -> dict[str, Any]:
    return {"PK": {"S": "DOCTOR#serializer"}, "SK": {"S": sk}}


def raw_bodies(client: Any) -> list[Any]:
    """Every answer's body as the client received it, before botocore parses it."""
    bodies: list[Any] = []

    def keep(response_dict: dict[str, Any], **_: Any) -> None:
        bodies.append(json.loads(response_dict["body"]))

    client.meta.events.register("before-parse.dynamodb.*", keep)
    return bodies


def reads(client: Any) -> None:
    client.get_item(TableName=TABLE, Key=key("A"))
    client.get_item(TableName=TABLE, Key=key("missing"))
    client.get_item(TableName=TABLE, Key=key("A"), ProjectionExpression="m, b", ReturnConsumedCapacity="TOTAL")
    condition = {"KeyConditionExpression": "PK = :pk", "ExpressionAttributeValues": {":pk": key("A")["PK"]}}
    client.query(TableName=TABLE, **condition)
    client.query(TableName=TABLE, Limit=1, ReturnConsumedCapacity="INDEXES", **condition)
    client.query(TableName=TABLE, Select="COUNT", **condition)
    client.query(TableName=TABLE, KeyConditionExpression="PK = :pk", ExpressionAttributeValues={":pk": {"S": "no"}})
    client.scan(TableName=TABLE, Limit=1)
    client.batch_get_item(RequestItems={TABLE: {"Keys": [key("A"), key("B"), key("missing")]}})
    client.transact_get_items(TransactItems=[{"Get": {"TableName": TABLE, "Key": key("A")}}])


def answers(prepare: Callable[[], None]) -> list[Any]:
    prepare()
    client = boto3.client("dynamodb")
    bodies = raw_bodies(client)
    reads(client)
    return bodies


def test_every_item_read_answers_the_document_moto_would(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(DynamoHandler, "serialized", DynamoHandler.serialized)  # undone after the test
    monkeypatch.setattr(DynamoResult, "__init__", DynamoResult.__init__)
    client = boto3.client("dynamodb")
    client.put_item(TableName=TABLE, Item={**key("A"), **EVERY_TYPE})
    client.put_item(TableName=TABLE, Item={**key("B"), "s": {"S": "second"}})

    by_moto = answers(lambda: None)
    ours = answers(moto_serializer.install)

    assert DynamoHandler.serialized.plain_json  # type: ignore[attr-defined]  # the second run used ours
    assert len(ours) == len(by_moto) == 10
    assert ours == by_moto


def test_errors_and_other_operations_keep_moto_s_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(DynamoHandler, "serialized", DynamoHandler.serialized)
    monkeypatch.setattr(DynamoResult, "__init__", DynamoResult.__init__)
    moto_serializer.install()
    client = boto3.client("dynamodb")

    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_item(TableName="no-such-table", Key=key("A"))
    description = client.describe_table(TableName=TABLE)["Table"]

    client.put_item(TableName=TABLE, Item={**key("A"), **EVERY_TYPE})
    old = client.put_item(TableName=TABLE, Item={**key("A"), "s": {"S": "new"}}, ReturnValues="ALL_OLD")["Attributes"]

    assert old["b"] == EVERY_TYPE["b"]  # a write's answer with items: moto's serializer, after its first pass
    assert old["m"] == EVERY_TYPE["m"]
    assert description["TableName"] == TABLE
    assert description["CreationDateTime"].year >= 2024  # a timestamp: moto's serializer wrote it


def stream_answers() -> tuple[list[Any], list[Any]]:
    """The GetRecords records of the table's stream: as the client received them, and as botocore parsed them."""
    streams = boto3.client("dynamodbstreams", endpoint_url="https://streams.dynamodb.us-east-1.amazonaws.com")
    arn = boto3.client("dynamodb").describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    [shard] = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")
    bodies: list[Any] = []

    def keep(response_dict: dict[str, Any], **_: Any) -> None:
        bodies.append(json.loads(response_dict["body"])["Records"])

    streams.meta.events.register("before-parse.dynamodbstreams.GetRecords", keep)
    parsed = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    return bodies, parsed


def test_stream_records_answer_the_document_moto_would(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(DynamoHandler, "serialized", DynamoHandler.serialized)
    monkeypatch.setattr(DynamoResult, "__init__", DynamoResult.__init__)
    monkeypatch.setattr(DynamoDBStreamsHandler, "serialized", DynamoDBStreamsHandler.serialized)
    moto_serializer.uninstall()  # moto's own, even when an embedded DynamoDB of an earlier test installed ours
    client = boto3.client("dynamodb")
    client.put_item(TableName=TABLE, Item={**key("A"), **EVERY_TYPE})
    client.put_item(TableName=TABLE, Item={**key("A"), "s": {"S": "replaced"}})
    client.delete_item(TableName=TABLE, Key=key("A"))
    by_moto = stream_answers()
    moto_serializer.install()
    ours = stream_answers()

    assert DynamoDBStreamsHandler.serialized.plain_json  # type: ignore[attr-defined]  # the second run used ours
    assert [record["eventName"] for record in ours[1]] == ["INSERT", "MODIFY", "REMOVE"]
    assert ours[1][0]["dynamodb"]["NewImage"]["b"] == EVERY_TYPE["b"]
    assert ours == by_moto
