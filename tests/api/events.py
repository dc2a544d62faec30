"""Reading /_local/events as a subscriber would: everything published about one subject prefix, in order."""

from __future__ import annotations

import time
from typing import Any

from tests.api.conftest import Api

PREFIX = "org.hospital.scheduling."


class Events:
    """The events of one subject prefix, read on from where the last read stopped."""

    def __init__(self, api: Api, subject_prefix: str) -> None:
        self._api = api
        self._prefix = subject_prefix
        self._after = ""
        self.seen: list[dict[str, Any]] = []

    def read(self) -> list[dict[str, Any]]:
        answer = self._api.get("/_local/events", params={"subject_prefix": self._prefix, "after": self._after})
        assert answer.status_code == 200
        body = answer.json()
        self._after = body["next"]
        self.seen += body["items"]
        return list(body["items"])

    def until(self, count: int, wait_seconds: float = 60) -> list[dict[str, Any]]:
        """The next `count` events (waiting for the stream to be consumed), and only those."""
        found: list[dict[str, Any]] = []
        deadline = time.monotonic() + wait_seconds
        while len(found) < count and time.monotonic() < deadline:
            found += self.read()
            if len(found) < count:
                time.sleep(0.1)
        assert len(found) >= count, f"waited for {count} events, got {short_types(found)}"
        return found

    def types_until(self, count: int) -> list[str]:
        return short_types(self.until(count))


def short_types(events: list[dict[str, Any]]) -> list[str]:
    return [event["type"].removeprefix(PREFIX) for event in events]
