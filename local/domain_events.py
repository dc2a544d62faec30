"""The domain events locally: the embedded table's stream feeds the events function (local/streams.py), which
publishes through boto3 to the embedded EventBridge (moto); what the bus carried is logged in order
(local/event_log.py), served at /_local/events and, with LOCAL_WEBHOOK_URL, POSTed on (local/webhook.py).
Every thread of that chain retries what fails and reports its state at /_local/events/health.
Expired items are deleted as DynamoDB's TTL would (local/ttl.py), so an expired hold gives `hold.expired`.
One-time schedules (reminders) run when due, as EventBridge Scheduler would (local/scheduler.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from local.docs_pages import Page
from local.dynamodb import EmbeddedDynamoDB
from local.event_log import EventLog
from local.scheduler import LocalScheduler
from local.settings import RunnerSettings
from local.streams import StreamPump
from local.template import (
    event_bus_names,
    resources,
    schedule_group_names,
    stream_consumers,
    table_names,
    time_to_live_attributes,
)
from local.ttl import TimeToLive
from local.webhook import Webhook
from local.workers import FunctionWorkers


class Part(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...


@dataclass
class LocalEvents:
    log: EventLog
    pumps: list[StreamPump]
    ttl: TimeToLive
    webhook: Webhook | None
    scheduler: LocalScheduler | None = None

    @classmethod
    def start(
        cls,
        template: dict[str, Any],
        embedded: EmbeddedDynamoDB,
        functions: dict[str, FunctionWorkers],
        settings: RunnerSettings,
        tables: dict[str, str] | None = None,
        bus_names: dict[str, str] | None = None,
    ) -> LocalEvents | None:
        """`tables` and `bus_names` (logical id -> name) are the deployed ones (local/stack.py)."""
        buses = list((bus_names if bus_names is not None else event_bus_names(template)).values())
        if not buses:
            return None
        webhook = Webhook(settings.webhook_url) if settings.webhook_url else None
        log = EventLog(embedded.url, buses[0], webhook.send if webhook else None)
        tables = tables if tables is not None else table_names(template)
        mappings = {
            body["Properties"]["FunctionName"]["Ref"]: body["Properties"]
            for body in resources(template, "AWS::Lambda::EventSourceMapping").values()
        }
        pumps = [
            StreamPump(
                embedded.url,
                tables[table],
                functions[function],
                int(mappings[function].get("BatchSize", 100)),
                int(mappings[function].get("MaximumRetryAttempts", 5)),
            )
            for function, table in stream_consumers(template).items()
        ]
        ttl = TimeToLive(embedded.lock, time_to_live_attributes(template, tables), settings.ttl_sweep_seconds)
        groups = list(schedule_group_names(template).values())
        scheduler = LocalScheduler(embedded.url, groups, functions) if groups else None
        started = cls(log, pumps, ttl, webhook, scheduler)
        for part in started.parts():
            part.start()
        return started

    def pages(self) -> dict[str, Callable[[str], Page]]:
        return {
            "/_local/events": self.log.page,
            "/_local/events/dead-letters": self._dead_letters,
            "/_local/events/health": self._health,
        }

    def describe(self, base_url: str) -> str:
        where = f"; each also POSTed to {self.webhook.url}" if self.webhook else ""
        return f"Domain events: {base_url}/_local/events?subject_prefix=/doctors/&after= (in publication order){where}"

    def stop(self) -> None:
        for part in self.parts():
            part.stop()

    def parts(self) -> list[Part]:
        extra: list[Part] = [part for part in (self.webhook, self.scheduler) if part is not None]
        return [self.log, *self.pumps, self.ttl, *extra]

    def _health(self, query: str) -> Page:
        """Each thread that carries events: alive or not, running or retrying, its errors and counters."""
        threads = [self.log.describe(), *(pump.describe() for pump in self.pumps), self.ttl.describe()]
        threads += [part.describe() for part in (self.webhook, self.scheduler) if part is not None]
        healthy = all(thread["alive"] and thread["state"] == "running" for thread in threads)
        return "application/json", json.dumps({"healthy": healthy, "threads": threads})

    def _dead_letters(self, query: str) -> Page:
        records = [record for pump in self.pumps for record in pump.dead_letters]
        records += self.scheduler.dead_letters if self.scheduler else []
        return "application/json", json.dumps({"items": records}, default=str)
