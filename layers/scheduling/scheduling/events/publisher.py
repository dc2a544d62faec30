"""PutEvents on the scheduling bus: in order, 10 entries per call, stopping at the first entry that failed.

Each CloudEvent is one entry: `detail` is the whole CloudEvent (structured mode), `detail-type` its type and
`source` its source, so a rule matches on either and a target receives the CloudEvent as `$.detail`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from scheduling.events.models import AnyEvent

if TYPE_CHECKING:
    from mypy_boto3_events.client import EventBridgeClient

MAX_ENTRIES = 10  # PutEvents takes at most 10 entries per call
CLIENT_CONFIG = Config(retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=1, read_timeout=5)


@cache
def events_client(endpoint_url: str | None = None) -> EventBridgeClient:
    """One client per container, created on first use."""
    return boto3.client("events", endpoint_url=endpoint_url, config=CLIENT_CONFIG)


def entry(event: AnyEvent, bus: str) -> dict[str, Any]:
    return {
        "EventBusName": bus,
        "Source": event.source,
        "DetailType": event.type,
        "Detail": json.dumps(event.model_dump(mode="json"), separators=(",", ":")),
        "Time": event.time,
    }


class Publisher:
    def __init__(self, client: EventBridgeClient, bus: str) -> None:
        self._client = client
        self._bus = bus
        self.calls = 0

    def publish(self, events: Sequence[AnyEvent]) -> int:
        """Publish `events` in order; answers how many of them, from the first, are known to be published.
        Entries after a failed one in the same call may be published too: they are sent again with their ids."""
        for first in range(0, len(events), MAX_ENTRIES):
            chunk = events[first : first + MAX_ENTRIES]
            self.calls += 1
            try:
                response = self._client.put_events(Entries=[entry(event, self._bus) for event in chunk])  # type: ignore[misc]
            except (ClientError, BotoCoreError):
                return first
            if response.get("FailedEntryCount", 0):
                results = response["Entries"]
                failed = next(index for index, result in enumerate(results) if result.get("ErrorCode"))
                return first + failed
        return len(events)
