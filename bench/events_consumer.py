"""The events consumer in-process against moto: records per second, and PutEvents calls per 100 records, for the
consumer as built (one call per 10 events) and for one call per record (what a per-record handler, e.g.
powertools' BatchProcessor, would make). One run; prints numbers, asserts nothing.

Run: `.venv/bin/python -m bench.events_consumer`
"""

from __future__ import annotations

import os
import time
from typing import Any

import boto3
from moto import mock_aws

from local.environment import OFFLINE_AWS, export_functions_environment
from local.paths import use_source_tree

RECORDS = 2000


def main() -> None:
    use_source_tree()
    os.environ.update(OFFLINE_AWS)
    export_functions_environment()
    from scheduling.events.consumer import consume
    from scheduling.events.publisher import Publisher
    from scheduling.store.items import booked_item
    from tests.support.stream_records import START, appointment, record

    with mock_aws():
        events = boto3.client("events")
        events.create_event_bus(Name="bench")
        records = [
            record(None, booked_item(appointment(START.replace(year=2035 + index % 5, minute=index % 60))))
            for index in range(RECORDS)
        ]
        batches = [records[first : first + 100] for first in range(0, RECORDS, 100)]

        class OnePerRecord(Publisher):
            def publish(self, events_: Any) -> int:
                return sum(super(OnePerRecord, self).publish([event]) for event in events_)

        for name, publisher in (
            ("batched (as built)", Publisher(events, "bench")),
            ("one call per record", OnePerRecord(events, "bench")),
        ):
            began = time.perf_counter()
            for batch in batches:
                consume(batch, publisher)
            seconds = time.perf_counter() - began
            print(
                f"{name:22} {RECORDS / seconds:8.0f} records/s  {publisher.calls / len(batches):5.1f} PutEvents "
                "calls per 100 records (moto: no network)"
            )


if __name__ == "__main__":
    main()
