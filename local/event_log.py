"""What the embedded EventBridge bus carried: a subscription (a rule for every event into a queue), read in
order into a log served at `GET /_local/events?subject_prefix=&after=`, and handed on to a webhook if set.

Answer: `{"items": [<CloudEvent>, ...], "next": "<cursor>"}` in publication order; pass `next` as `after` to
read only what came since. A cursor is the position of the last event looked at, so it stays valid. A page
holds up to 1000 matching events, looking as far through the log as it takes to fill it: an empty page means
"nothing more now", never "keep paging". `after` must be a cursor this runner gave (digits, not past the end);
anything else is a `400` problem rather than a silent restart from the beginning.

The reading thread survives whatever the embedded services answer (throttling, errors): each failure is
retried with backoff and reported at /_local/events/health (local/supervised.py). A message is deleted from
the queue only after its event is logged; an event delivered twice (its delete failed and the queue gave it
again) is logged once, by its CloudEvent `id`.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import boto3

from local.problems import BadQuery
from local.supervised import SupervisedThread

PAGE_LIMIT = 1000
POLL_SECONDS = 0.1  # between empty reads of the queue (no long polling: it would hold the embedded moto)
QUEUE_NAME = "local-events-log"
_CURSOR = re.compile(r"[0-9]{1,18}")


def select(
    events: list[dict[str, Any]], prefix: str, start: int, limit: int = PAGE_LIMIT
) -> tuple[list[dict[str, Any]], int]:
    """Up to `limit` events from position `start` whose subject starts with `prefix`, and the cursor after the
    last event looked at: past the last one taken when the page is full, else the end of the log."""
    items: list[dict[str, Any]] = []
    for position in range(start, len(events)):
        if str(events[position].get("subject", "")).startswith(prefix):
            items.append(events[position])
            if len(items) == limit:
                return items, position + 1
    return items, max(start, len(events))


def cursor(after: str, end: int) -> int:
    """The position `after` names: empty is the start; a cursor must be digits and not past the log's end."""
    if after == "":
        return 0
    if not _CURSOR.fullmatch(after):
        raise BadQuery(f"'after' must be a cursor from a previous page's 'next' (digits), not {after[:40]!r}.")
    position = int(after)
    if position > end:
        raise BadQuery(
            f"'after' is {position}, past the end of the log ({end} events): it comes from another run of the "
            "runner (the log starts empty at each start); read from the beginning (no 'after')."
        )
    return position


class EventLog:
    def __init__(self, endpoint: str, bus: str, on_event: Callable[[dict[str, Any]], None] | None = None) -> None:
        events = boto3.client("events", endpoint_url=endpoint)
        self._sqs = boto3.client("sqs", endpoint_url=endpoint)
        existing = {found["Name"] for found in events.list_event_buses()["EventBuses"]}
        if bus not in existing:
            events.create_event_bus(Name=bus)
        self._queue = self._sqs.create_queue(QueueName=QUEUE_NAME)["QueueUrl"]
        queue_arn = self._sqs.get_queue_attributes(QueueUrl=self._queue, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        events.put_rule(
            Name="local-events-log", EventBusName=bus, EventPattern=json.dumps({"source": [{"prefix": ""}]})
        )
        events.put_targets(Rule="local-events-log", EventBusName=bus, Targets=[{"Id": "log", "Arn": queue_arn}])
        self._lock = threading.Lock()
        self._events: list[dict[str, Any]] = []
        self._seen: set[str] = set()
        self._to_delete: dict[str, str] = {}  # message id -> receipt handle, of messages already logged
        self._on_event = on_event
        self._thread = SupervisedThread("events-log", self._step, POLL_SECONDS, POLL_SECONDS)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._thread.stop()

    def page(self, query: str) -> tuple[str, str]:
        """The `/_local/events` answer for a query string (content type, body); `BadQuery` for a bad cursor."""
        parameters = {name: values[-1] for name, values in parse_qs(query, keep_blank_values=True).items()}
        prefix = parameters.get("subject_prefix", "")
        with self._lock:
            start = cursor(parameters.get("after", ""), len(self._events))
            items, after = select(self._events, prefix, start)
        return "application/json", json.dumps({"items": items, "next": str(after)})

    def describe(self) -> dict[str, Any]:
        with self._lock:
            logged, undeleted = len(self._events), len(self._to_delete)
        return self._thread.describe(events_logged=logged, messages_to_delete=undeleted)

    def _step(self) -> bool:
        """Delete what was logged (first: a delete that failed is retried before reading more), then read and
        log a batch. Answers whether there was anything to do."""
        if self._to_delete:
            self._delete_logged()
            return True
        messages = self._sqs.receive_message(QueueUrl=self._queue, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return False
        for message in messages:
            event = json.loads(message["Body"])["detail"]
            ident = str(event.get("id", message["MessageId"]))
            with self._lock:
                fresh = ident not in self._seen
                if fresh:
                    self._seen.add(ident)
                    self._events.append(event)
                self._to_delete[message["MessageId"]] = message["ReceiptHandle"]
            if fresh and self._on_event is not None:
                self._on_event(event)
        self._delete_logged()
        return True

    def _delete_logged(self) -> None:
        with self._lock:
            pending = list(self._to_delete.items())[:10]
        answer = self._sqs.delete_message_batch(
            QueueUrl=self._queue, Entries=[{"Id": str(i), "ReceiptHandle": h} for i, (_, h) in enumerate(pending)]
        )
        failed = {entry["Id"]: entry for entry in answer.get("Failed", []) if not entry.get("SenderFault")}
        with self._lock:
            for index, (message_id, _) in enumerate(pending):
                if str(index) not in failed:
                    self._to_delete.pop(message_id, None)
        if failed:  # kept for the next attempt, after the backoff
            codes = sorted({str(entry.get("Code")) for entry in failed.values()})
            raise RuntimeError(f"{len(failed)} of {len(pending)} deletes failed ({', '.join(codes)})")
