"""What the embedded EventBridge bus carried: a subscription (a rule for every event into a queue), read in
order into a log served at `GET /_local/events?subject_prefix=&after=`, and handed on to a webhook if set.

Answer: `{"items": [<CloudEvent>, ...], "next": "<cursor>"}` in publication order; pass `next` as `after` to
read only what came since. A cursor is the position of the last event looked at, so it stays valid.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import boto3

PAGE_LIMIT = 1000
POLL_SECONDS = 0.1  # between empty reads of the queue (no long polling: it would hold the embedded moto)
QUEUE_NAME = "local-events-log"


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
        self._on_event = on_event
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="events-log", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()

    def page(self, query: str) -> tuple[str, str]:
        """The `/_local/events` answer for a query string (content type, body)."""
        parameters = {name: values[-1] for name, values in parse_qs(query).items()}
        prefix = parameters.get("subject_prefix", "")
        after = parameters.get("after", "")
        start = int(after) if after.isdigit() else 0
        with self._lock:
            window = self._events[start : start + PAGE_LIMIT]
        items = [event for event in window if str(event.get("subject", "")).startswith(prefix)]
        return "application/json", json.dumps({"items": items, "next": str(start + len(window))})

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                messages = self._sqs.receive_message(QueueUrl=self._queue, MaxNumberOfMessages=10).get("Messages", [])
            except Exception:  # throttled by the embedded moto: read again shortly
                messages = []
            if not messages:
                time.sleep(POLL_SECONDS)
                continue
            for message in messages:
                event = json.loads(message["Body"])["detail"]
                with self._lock:
                    self._events.append(event)
                if self._on_event is not None:
                    self._on_event(event)
            self._sqs.delete_message_batch(
                QueueUrl=self._queue,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
            )
