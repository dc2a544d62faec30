"""The scheduling bus as a subscriber sees it (in moto): a rule matching every event, into a queue, read in order;
and the table's stream as the event source mapping hands it over."""

from __future__ import annotations

import json
import os
from typing import Any

import boto3

from local.streams import lambda_record

# botocore addresses a stream ARN's account endpoint, which moto does not serve: name the regional one.
STREAMS_ENDPOINT = "https://streams.dynamodb.us-east-1.amazonaws.com"


class Subscriber:
    """Creates the bus named by EVENT_BUS_NAME and subscribes a queue to everything on it."""

    def __init__(self, endpoint_url: str | None = None) -> None:
        self.bus = os.environ["EVENT_BUS_NAME"]
        events = boto3.client("events", endpoint_url=endpoint_url)
        self._sqs = boto3.client("sqs", endpoint_url=endpoint_url)
        events.create_event_bus(Name=self.bus)
        self._queue = self._sqs.create_queue(QueueName="everything")["QueueUrl"]
        queue_arn = self._sqs.get_queue_attributes(QueueUrl=self._queue, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        events.put_rule(Name="everything", EventBusName=self.bus, EventPattern=json.dumps({"source": [{"prefix": ""}]}))
        events.put_targets(Rule="everything", EventBusName=self.bus, Targets=[{"Id": "queue", "Arn": queue_arn}])
        self.received: list[dict[str, Any]] = []

    def cloudevents(self) -> list[dict[str, Any]]:
        """Every CloudEvent delivered so far (the EventBridge `detail`), in delivery order."""
        while True:
            messages = self._sqs.receive_message(QueueUrl=self._queue, MaxNumberOfMessages=10).get("Messages", [])
            if not messages:
                return self.received
            for message in messages:
                envelope = json.loads(message["Body"])
                assert envelope["detail-type"] == envelope["detail"]["type"]
                self.received.append(envelope["detail"])
                self._sqs.delete_message(QueueUrl=self._queue, ReceiptHandle=message["ReceiptHandle"])


class StreamReader:
    """Reads the table's stream from its start, like the event source mapping, and remembers where it is."""

    def __init__(self, table: str, endpoint_url: str | None = None) -> None:
        self._streams = boto3.client("dynamodbstreams", endpoint_url=endpoint_url or STREAMS_ENDPOINT)
        arn = boto3.client("dynamodb", endpoint_url=endpoint_url).describe_table(TableName=table)["Table"][
            "LatestStreamArn"
        ]
        [shard] = self._streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        self._iterator = self._streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]

    def new_records(self) -> list[dict[str, Any]]:
        response = self._streams.get_records(ShardIterator=self._iterator)
        self._iterator = response["NextShardIterator"]
        return [lambda_record(record) for record in response["Records"]]
