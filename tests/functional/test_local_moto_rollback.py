"""The local runner's item-by-item rollback of moto transactions keeps moto's all-or-nothing meaning."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from local import moto_transactions
from tests.functional.conftest import TABLES, stored_items

pytestmark = pytest.mark.usefixtures("aws")


def put(sk: str, condition: str = "attribute_not_exists(PK)", **extra: Any) -> Any:
    item = {"PK": {"S": "DOCTOR#x"}, "SK": {"S": sk}, **extra}
    return {"Put": {"TableName": TABLES["SchedulingTable"], "Item": item, "ConditionExpression": condition}}


def keys() -> list[str]:
    return sorted(item["SK"]["S"] for item in stored_items())


def test_a_failed_transaction_leaves_every_item_as_it_was_and_a_good_one_applies() -> None:
    moto_transactions.install()
    client = boto3.client("dynamodb")
    client.transact_write_items(TransactItems=[put("A", n={"N": "1"})])

    with pytest.raises(client.exceptions.TransactionCanceledException):
        # B would be new and A replaced, but the last condition fails: neither may stay.
        client.transact_write_items(
            TransactItems=[
                put("B"),
                put("A", "attribute_exists(PK)", n={"N": "2"}),
                put("A2", "attribute_exists(PK)"),
            ]
        )
    before = stored_items()
    client.transact_write_items(TransactItems=[put("C"), put("A", "attribute_exists(PK)", n={"N": "3"})])

    assert [item["SK"]["S"] for item in before] == ["A"]
    assert before[0]["n"] == {"N": "1"}
    assert keys() == ["A", "C"]
    assert next(item for item in stored_items() if item["SK"]["S"] == "A")["n"] == {"N": "3"}


def stream_keys(client: Any) -> list[tuple[str, str]]:
    # botocore addresses a stream ARN's account endpoint, which moto does not serve: name the regional one
    streams = boto3.client("dynamodbstreams", endpoint_url="https://streams.dynamodb.us-east-1.amazonaws.com")
    arn = client.describe_table(TableName=TABLES["SchedulingTable"])["Table"]["LatestStreamArn"]
    [shard] = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    return [(record["eventName"], record["dynamodb"]["Keys"]["SK"]["S"]) for record in records]


def test_a_failed_transaction_leaves_no_stream_record_so_it_gives_no_event() -> None:
    moto_transactions.install()
    client = boto3.client("dynamodb")
    client.transact_write_items(TransactItems=[put("A", n={"N": "1"})])

    with pytest.raises(client.exceptions.TransactionCanceledException):
        client.transact_write_items(
            TransactItems=[put("B"), put("A", "attribute_exists(PK)", n={"N": "2"}), put("A2", "attribute_exists(PK)")]
        )
    client.transact_write_items(TransactItems=[put("C")])

    assert stream_keys(client) == [("INSERT", "A"), ("INSERT", "C")]
