"""`LOCAL_WEBHOOK_URL`: every published event POSTed there in publication order, as a structured-mode CloudEvent
(`Content-Type: application/cloudevents+json`, the whole event as the body, written by the CloudEvents SDK).

A delivery that fails (connection error, timeout, or an answer that is not 2xx) is retried after 1, 2, 4, 8 and
16 s; then it is given up (a line on stderr) and the next event goes. One event at a time, so order holds.
Whatever a delivery raises (a garbled answer, a bug), the thread goes on with the next event; its state is at
/_local/events/health.
"""

from __future__ import annotations

import http.client
import json
import queue
import sys
import threading
import time
import urllib.error
import urllib.request
from typing import Any

from local.supervised import Health

ATTEMPTS = 6
TIMEOUT_SECONDS = 5


def structured(event: dict[str, Any]) -> tuple[dict[str, str], bytes]:
    from cloudevents.core.bindings.http import to_structured
    from cloudevents.core.formats.json import JSONFormat
    from cloudevents.core.v1.event import CloudEvent

    message = to_structured(JSONFormat().read(CloudEvent, json.dumps(event)), JSONFormat())
    return dict(message.headers), message.body


class Webhook:
    def __init__(self, url: str, backoff_seconds: float = 1.0) -> None:
        self.url = url
        self._backoff = backoff_seconds
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.delivered = 0
        self.given_up = 0
        self.health = Health("webhook")
        self._thread = threading.Thread(target=self._run, name="webhook", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._queue.put(None)

    def send(self, event: dict[str, Any]) -> None:
        self._queue.put(event)

    def describe(self) -> dict[str, Any]:
        return self.health.as_dict(
            self._thread.is_alive(), delivered=self.delivered, given_up=self.given_up, waiting=self._queue.qsize()
        )

    def _run(self) -> None:
        while (event := self._queue.get()) is not None:
            try:
                self._deliver(event)
            except Exception as error:  # a bug in one delivery must not end the thread
                self.given_up += 1
                self.health.failed(error)
                sys.stderr.write(f"webhook: gave up on event {event.get('id')}: {type(error).__name__}: {error}\n")
        self.health.stop()

    def _deliver(self, event: dict[str, Any]) -> None:
        headers, body = structured(event)
        for attempt in range(ATTEMPTS):
            if attempt:
                time.sleep(self._backoff * 2 ** (attempt - 1))
            try:
                request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")  # noqa: S310
                with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS):  # noqa: S310  # the developer's URL
                    self.delivered += 1
                    self.health.succeeded()
                    return
            except (urllib.error.URLError, OSError, http.client.HTTPException) as error:  # refused, cut, garbled
                self.health.failed(error)
                continue
        self.given_up += 1
        sys.stderr.write(f"webhook: gave up on event {event.get('id')} after {ATTEMPTS} attempts\n")
