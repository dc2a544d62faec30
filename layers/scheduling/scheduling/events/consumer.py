"""A batch of stream records -> events published in order, and Lambda's partial batch response.

Records are handled in stream order and nothing after a failed record is published: the failed record and
every later one are reported (`batchItemFailures`), Lambda resumes from the first of them, and so the events
of one doctor are published in the order of the changes. A record redelivered after a partial failure gives
events with the same ids (`mapping`), so a consumer de-duplicates on `id`.

Why not powertools' BatchProcessor: it hands each record to a handler and goes on after a failure, so events
after a failed record would be published before it on the retry (powertools discussion #1784), and a
handler per record means one PutEvents call per record instead of one per 10 events (docs/decisions.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from scheduling.events.changes import change_of
from scheduling.events.mapping import events_of
from scheduling.events.models import AnyEvent


class Publishes(Protocol):
    def publish(self, events: list[AnyEvent]) -> int: ...


@dataclass
class BatchOutcome:
    published: list[AnyEvent] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # sequence numbers, as the records gave them
    unreadable: int = 0  # records that could not be mapped (poison: they end in the dead-letter queue)

    def response(self) -> dict[str, Any]:
        return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in self.failed]}


def consume(records: list[dict[str, Any]], publisher: Publishes) -> BatchOutcome:
    outcome = BatchOutcome()
    planned: list[tuple[int, AnyEvent]] = []  # (index of its record, event)
    stop = len(records)
    for index, record in enumerate(records):
        try:
            planned += [(index, event) for event in events_of(change_of(record))]
        except (KeyError, ValueError, TypeError):
            outcome.unreadable = 1
            stop = index
            break
    published = publisher.publish([event for _, event in planned])
    if published < len(planned):
        stop = planned[published][0]
    outcome.published = [event for _, event in planned[:published]]
    outcome.failed = [_sequence(record) for record in records[stop:]]
    return outcome


def _sequence(record: dict[str, Any]) -> str:
    return str(record.get("dynamodb", {}).get("SequenceNumber", ""))
