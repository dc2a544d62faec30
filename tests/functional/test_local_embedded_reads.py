"""The embedded DynamoDB runs reads together but never during a write: a read never sees half a transaction.

Moto applies a TransactWriteItems one item after another, and the runner's Query answers the stored items
themselves (local/moto_queries.py), written out while the read holds its lock. Readers and a writer started
together over real HTTP: every answer holds one transaction's items, all of them.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from local.dynamodb import EmbeddedDynamoDB
from local.template import create_tables, load_template, table_names

TEMPLATE = load_template()
TABLES = table_names(TEMPLATE)
TABLE = TABLES["SchedulingTable"]
ITEMS = 20  # one transaction's items, all in one partition
ROUNDS = 12  # transactions, each writing every item with its round number
READERS = 4
PATIENCE_SECONDS = 120  # generous: only tells "finished" from "stuck"
PADDING = {"M": {f"day-{day}": {"L": [{"S": "09:00"}, {"S": "17:00"}]} for day in range(30)}}  # slower to write out


@pytest.fixture
def embedded() -> Iterator[EmbeddedDynamoDB]:
    served = EmbeddedDynamoDB(wait_seconds=PATIENCE_SECONDS)
    create_tables(boto3.client("dynamodb", endpoint_url=served.url), TEMPLATE, TABLES)
    yield served
    served.stop()


def put_round(client: Any, partition: str, number: int) -> None:
    client.transact_write_items(
        TransactItems=[
            {
                "Put": {
                    "TableName": TABLE,
                    "Item": {
                        "PK": {"S": partition},
                        "SK": {"S": f"ITEM#{index:02d}"},
                        "round": {"N": str(number)},
                        "padding": PADDING,
                    },
                }
            }
            for index in range(ITEMS)
        ]
    )


def rounds_seen(client: Any, partition: str) -> list[tuple[int, ...]]:
    """The round numbers of every item, as a Query and as a BatchGetItem answer them."""
    queried = client.query(
        TableName=TABLE,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": partition}},
        ConsistentRead=True,
    )["Items"]
    keys = [{"PK": {"S": partition}, "SK": {"S": f"ITEM#{index:02d}"}} for index in range(ITEMS)]
    batch = client.batch_get_item(RequestItems={TABLE: {"Keys": keys, "ConsistentRead": True}})["Responses"][TABLE]
    return [tuple(sorted(int(item["round"]["N"]) for item in answer)) for answer in (queried, batch)]


def test_reads_started_beside_transactions_never_see_half_of_one(embedded: EmbeddedDynamoDB) -> None:
    partition = f"DOCTOR#torn-{uuid.uuid4().hex}"
    put_round(boto3.client("dynamodb", endpoint_url=embedded.url), partition, 0)
    start = threading.Barrier(READERS + 1)
    each_read_once = threading.Barrier(READERS + 1)
    written = threading.Event()
    answers: list[tuple[int, ...]] = []
    failures: list[BaseException] = []

    def read() -> None:
        client = boto3.client("dynamodb", endpoint_url=embedded.url)
        try:
            start.wait(PATIENCE_SECONDS)
            answers.extend(rounds_seen(client, partition))
            each_read_once.wait(PATIENCE_SECONDS)
            while not written.is_set():
                answers.extend(rounds_seen(client, partition))
            answers.extend(rounds_seen(client, partition))
        except BaseException as error:  # reported by the test
            failures.append(error)

    def write() -> None:
        client = boto3.client("dynamodb", endpoint_url=embedded.url)
        try:
            start.wait(PATIENCE_SECONDS)
            each_read_once.wait(PATIENCE_SECONDS)  # every reader is reading while the transactions run
            for number in range(1, ROUNDS + 1):
                put_round(client, partition, number)
        except BaseException as error:
            failures.append(error)
        finally:
            written.set()

    threads = [threading.Thread(target=read) for _ in range(READERS)] + [threading.Thread(target=write)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(PATIENCE_SECONDS)

    assert failures == []
    assert not [thread for thread in threads if thread.is_alive()]
    assert len(answers) >= 2 * 2 * READERS  # each reader read before and after the transactions
    torn = [answer for answer in answers if len(answer) != ITEMS or len(set(answer)) != 1]
    assert torn == []
    assert {answer[0] for answer in answers} >= {0, ROUNDS}  # the reads did run beside the transactions
