"""The event source mapping's stand-in: reads the embedded table's stream in order and invokes the consumer.

Like Lambda's mapping with `ReportBatchItemFailures`: a batch of up to `BatchSize` records; when the function
reports failures, the next batch starts at the first failed record; a batch that keeps failing is retried
`MaximumRetryAttempts` times, then its first record is set aside as dead-lettered (listed at
/_local/events/dead-letters) and reading goes on after it. A function that raises or times out is retried the
same way. Records are read from the start of the stream (TRIM_HORIZON), so nothing written before it is missed.
A read that fails (throttling by the embedded DynamoDB, anything else) or a function call that raises is
retried from the same position with backoff, never ends the thread, and shows at /_local/events/health.
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

import boto3

from local.supervised import SupervisedThread
from local.workers import FunctionWorkers, InvokeError

IDLE_SECONDS = 0.1  # between empty reads (each read holds the embedded DynamoDB for a moment)
RETRY_SECONDS = 0.2


def lambda_record(record: dict[str, Any]) -> dict[str, Any]:
    """A GetRecords record as Lambda's event carries it: creation time in epoch seconds, `userIdentity` keys in
    Lambda's spelling."""
    stream = dict(record["dynamodb"])
    created = stream.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        stream["ApproximateCreationDateTime"] = created.timestamp()
    shaped = {**record, "dynamodb": stream}
    identity = record.get("userIdentity")
    if identity:
        shaped["userIdentity"] = {"type": identity.get("Type"), "principalId": identity.get("PrincipalId")}
    return shaped


class StreamPump:
    def __init__(
        self, endpoint: str, table: str, consumer: FunctionWorkers, batch_size: int = 100, max_retries: int = 5
    ) -> None:
        self._streams = boto3.client("dynamodbstreams", endpoint_url=endpoint)
        self._stream_arn = boto3.client("dynamodb", endpoint_url=endpoint).describe_table(TableName=table)["Table"][
            "LatestStreamArn"
        ]
        self._consumer = consumer
        self._batch_size = batch_size
        self._max_retries = max_retries
        self.dead_letters: list[dict[str, Any]] = []
        self.invocations = 0
        self._shard: str | None = None
        self._position: dict[str, Any] = {"ShardIteratorType": "TRIM_HORIZON"}
        self._failures = 0  # failed invocations of the current batch in a row
        name = f"stream-pump {consumer.package.function}"
        self._thread = SupervisedThread(name, self._step, IDLE_SECONDS, RETRY_SECONDS, thread_name="stream-pump")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._thread.stop()

    def describe(self) -> dict[str, Any]:
        return self._thread.describe(invocations=self.invocations, dead_letters=len(self.dead_letters))

    def _step(self) -> bool:
        """Read one batch from the current position and hand it on; answers whether there was a batch. A failed
        read raises (retried with backoff by the loop, from the same position: nothing is skipped)."""
        if self._shard is None:
            [shard] = self._streams.describe_stream(StreamArn=self._stream_arn)["StreamDescription"]["Shards"]
            self._shard = str(shard["ShardId"])
        iterator = self._streams.get_shard_iterator(StreamArn=self._stream_arn, ShardId=self._shard, **self._position)[
            "ShardIterator"
        ]
        records = self._streams.get_records(ShardIterator=iterator, Limit=self._batch_size)["Records"]
        if not records:
            return False
        failed = self._invoke([lambda_record(record) for record in records])
        if failed is None:
            self._position = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": _last(records)}
            self._failures = 0
            return True
        self._failures += 1
        if self._failures > self._max_retries:
            dead = next(record for record in records if record["dynamodb"]["SequenceNumber"] == failed)
            self.dead_letters.append(lambda_record(dead))
            sys.stderr.write(f"stream record {failed} dead-lettered after {self._max_retries} retries\n")
            self._position = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": failed}
            self._failures = 0
            return True
        self._position = {"ShardIteratorType": "AT_SEQUENCE_NUMBER", "SequenceNumber": failed}
        self._thread.pause(RETRY_SECONDS * self._failures)
        return True

    def _invoke(self, records: list[dict[str, Any]]) -> str | None:
        """The first failed sequence number of the batch, or None when it all went through."""
        self.invocations += 1
        try:
            response = self._consumer.invoke({"Records": records})
        except InvokeError as error:
            sys.stderr.write(f"{self._consumer.package.function}: {error}\n")
            return str(records[0]["dynamodb"]["SequenceNumber"])
        reported = [str(item["itemIdentifier"]) for item in (response or {}).get("batchItemFailures", [])]
        if not reported:
            return None
        return min(reported, key=int)


def _last(records: list[dict[str, Any]]) -> str:
    return str(records[-1]["dynamodb"]["SequenceNumber"])
