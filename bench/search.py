"""Warm cost of the search across doctors: the real handler in-process, DynamoDB answered by a stub.

50 (and 500) doctors at one location, 09:00-17:00 on weekdays, 30-minute slots, nothing booked; a 14-day
window. Timed: the first page of 20, and the whole 14-day answer (every page of 200); the first page both from
the tag items' bookable summaries and, as before them, from the profiles. CPU time is the process's (the booking
Queries run on the fan-out's threads), wall time includes the threads' waiting. The floor is a bare
powertools resolver answering a prepared body, in the same run.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Callable
from typing import Any
from unittest.mock import patch

from bench.common import median, p95, prepare_environment
from bench.warm import StubDynamoDB

DOCTORS = 50
HOSPITAL = 500  # doctors at one location of a big hospital
RUNS = 30
WINDOW = {"from": "2035-06-04T00:00:00Z", "to": "2035-06-18T00:00:00Z"}


class SearchStub(StubDynamoDB):
    """Tag Queries answer the doctors' ids, BatchGetItem their profiles, bookings Queries nothing."""

    def __init__(self, tag_items: list[dict[str, Any]], profiles: list[dict[str, Any]]) -> None:
        super().__init__()
        self.tag_items, self.profiles = tag_items, profiles
        self.calls = 0
        self._counting = threading.Lock()  # calls of one round arrive on the fan-out's threads

    def __call__(self, request: Any, **kwargs: Any) -> Any:
        with self._counting:
            self.calls += 1
        body = json.loads(request.body)
        if "IndexName" in body:
            self.answers["Query"] = {"Items": self.tag_items, "Count": len(self.tag_items)}
        else:
            self.answers["Query"] = {"Items": [], "Count": 0}
        if "RequestItems" in body:
            table = next(iter(body["RequestItems"]))
            self.answers["BatchGetItem"] = {"Responses": {table: self.profiles}, "UnprocessedKeys": {}}
        return super().__call__(request, **kwargs)


def _timed(call: Callable[[], Any]) -> tuple[list[float], list[float]]:
    for _ in range(3):
        call()
    walls, cpus = [], []
    for _ in range(RUNS):
        wall, cpu = time.perf_counter(), time.process_time()
        call()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return walls, cpus


def rows() -> list[tuple[str, float, float, float, float, int, int, int]]:
    """(case, median wall ms, p95 wall ms, median CPU ms, CPU ratio to the floor, slots answered, DynamoDB calls
    and rounds of one request; a round is one `fan_out`, the calls issued together). Each case is
    run twice where it says so: with the tag items carrying bookable summaries (now), and without (as before:
    the profiles read by BatchGetItem, the path a tag item without a summary still takes)."""
    prepare_environment()
    from bench.floor_app import app as floor
    from functions.availability.app import lambda_handler as availability
    from scheduling.models import Doctor
    from scheduling.store import dynamodb_client
    from scheduling.store import search as search_reads
    from scheduling.store.fan_out import fan_out
    from scheduling.store.items import bookable_summary, doctor_item
    from tests.support.lambda_events import context, event_with

    ctx: Any = context()
    hours = {
        day: [{"start": "09:00", "end": "17:00"}] for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
    }

    def stub_of(count: int, summaries: bool) -> SearchStub:
        profiles, tag_items = [], []
        for n in range(count):
            doctor = Doctor.model_validate(
                {
                    "id": f"{n:032x}",
                    "name": f"Doctor {n:03d}",
                    "locations": ["North Wing"],
                    "timezone": "Europe/London",
                    "schedule": hours,
                    "created_at": "2035-01-01T00:00:00Z",
                    "updated_at": "2035-01-01T00:00:00Z",
                }
            )
            profiles.append(doctor_item(doctor, 1))
            summary = bookable_summary(doctor, doctor.updated_at.date()) if summaries else None
            tag_items.append({"GSI1SK": {"S": doctor.id}, **({"bookable": {"S": summary}} if summary else {})})
        return SearchStub(tag_items, profiles)

    first_page = event_with("slots_search", query={"location": "North Wing", **WINDOW, "limit": "20"})

    def first_20() -> int:
        answer = availability(copy.deepcopy(first_page), ctx)
        return len(json.loads(answer["body"])["items"])

    def whole_window() -> int:
        count, token = 0, None
        while True:
            query = {"location": "North Wing", **WINDOW, "limit": "200", **({"next_token": token} if token else {})}
            page = json.loads(availability(event_with("slots_search", query=query), ctx)["body"])
            count += len(page["items"])
            token = page["next_token"]
            if token is None:
                return count

    ping = event_with("doctors_list")
    ping.update(path="/ping", resource="/ping", queryStringParameters=None, multiValueQueryStringParameters=None)
    _, floor_cpu = _timed(lambda: floor.resolve(copy.deepcopy(ping), ctx))
    floor_ms = median(floor_cpu) * 1e3
    events = dynamodb_client(None).meta.events
    table = []
    for case, count, summaries, call in (
        (f"first 20 of {DOCTORS} doctors, 14 days, profiles (before)", DOCTORS, False, first_20),
        (f"first 20 of {DOCTORS} doctors, 14 days, summaries", DOCTORS, True, first_20),
        (f"all of {DOCTORS} doctors, 14 days, summaries", DOCTORS, True, whole_window),
        (f"first 20 of {HOSPITAL} doctors, 14 days, profiles (before)", HOSPITAL, False, first_20),
        (f"first 20 of {HOSPITAL} doctors, 14 days, summaries", HOSPITAL, True, first_20),
    ):
        stub = stub_of(count, summaries)
        events.register("before-send.dynamodb", stub)
        try:
            with patch.object(search_reads, "fan_out", wraps=fan_out) as rounds:  # a round: the calls issued together
                answered = call()
            calls, rounds_of_one = stub.calls, rounds.call_count
            walls, cpus = _timed(call)
        finally:
            events.unregister("before-send.dynamodb", stub)
        cpu_ms = median(cpus) * 1e3
        wall_ms, p95_ms = median(walls) * 1e3, p95(walls) * 1e3
        table.append((case, wall_ms, p95_ms, cpu_ms, cpu_ms / floor_ms, answered, calls, rounds_of_one))
    return table


if __name__ == "__main__":
    from bench.common import without_function_output

    with without_function_output():
        measured = rows()
    for row in measured:
        print(row)
