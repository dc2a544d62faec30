"""One doctor's free slots through the whole availability handler, warm: event in, JSON out, DynamoDB stubbed.

Three handlers take turns on the same event in one run, in blocks of five requests:
- today's handler (`functions.availability.app`);
- the handler as it was before issue 12 (`tests.support.old_availability`, a frozen copy), so the before and
  after come from the same run;
- the floor: a bare powertools route of the same shape making the same two DynamoDB calls and answering the
  same JSON text prepared in advance (`bench.floor_routes.prepared_text_app`): what any implementation pays.

The doctor works 24 hours every day in New York; both windows cross the spring-forward (2035-03-11), so the
day with a clock change is part of every measurement. The two answers are checked to be the same bytes.

`python -m bench.availability --profile [--old]` prints where the time goes (cProfile) for the largest case, and
`--stages` the per-slot cost of each stage of the answer, before and today (CPU time, best of 15).
"""

from __future__ import annotations

import copy
import cProfile
import json
import os
import pstats
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from bench.common import median, p95, prepare_environment

WARMUP = 5
RUNS = int(os.environ.get("BENCH_AVAILABILITY_RUNS", "60"))
BLOCK = 5


@dataclass(frozen=True)
class Case:
    name: str
    slot_minutes: int
    first_day: str
    last_day: str  # exclusive
    bookings: int = 0  # booked slots spread evenly over the window
    target_ms: float | None = None


CASES = (
    Case("31 days x 5-min", 5, "2035-03-01", "2035-04-01", target_ms=25),
    Case("7 days x 15-min", 15, "2035-03-08", "2035-03-15", target_ms=3),
    Case("31 days x 5-min, 300 booked", 5, "2035-03-01", "2035-04-01", bookings=300),
)


def _doctor_item(slot_minutes: int) -> dict[str, Any]:
    from scheduling.models import WEEKDAYS, Doctor
    from scheduling.store.items import doctor_item
    from tests.support.lambda_events import SAMPLE_DOCTOR_ID

    doctor = Doctor.model_validate(
        {
            "id": SAMPLE_DOCTOR_ID,
            "name": "Bench",
            "locations": ["1 Road"],
            "timezone": "America/New_York",
            "slot_minutes": slot_minutes,
            "schedule": {day: [{"start": "00:00", "end": "24:00"}] for day in WEEKDAYS},
            "created_at": "2030-01-01T00:00:00Z",
            "updated_at": "2030-01-01T00:00:00Z",
        }
    )
    return doctor_item(doctor, 1)


def _booked_items(case: Case) -> list[dict[str, Any]]:
    """Appointment items as the bookings Query returns them (key-only projection), on the slot grid."""
    from scheduling.store.keys import slot_sk, utc_key

    first = datetime.fromisoformat(f"{case.first_day}T12:00:00+00:00")
    span = datetime.fromisoformat(f"{case.last_day}T00:00:00+00:00") - first
    items = []
    for index in range(case.bookings):
        start = first + (span * index / case.bookings) // timedelta(hours=1) * timedelta(hours=1)
        end = start + timedelta(minutes=case.slot_minutes)
        items.append({"SK": {"S": slot_sk(start)}, "end": {"S": utc_key(end)}, "appointment_id": {"S": f"a{index}"}})
    return items


def _invoke(handler: Callable[..., Any], event: dict[str, Any], ctx: Any) -> Any:
    return handler(copy.deepcopy(event), ctx)


@dataclass(frozen=True)
class Timings:
    wall: list[float]
    cpu: list[float]  # this process's CPU time: less disturbed by the machine's other work than the wall clock


def _time_in_turns(*calls: Callable[[], Any]) -> list[Timings]:
    """Each call timed RUNS times, in blocks of BLOCK runs that take turns, so drift in the machine's load hits
    all alike. Blocks, not single runs: the old handler churns through far more memory per request, and
    alternating run by run would hand the next call its cold caches. The first run of a block is not counted."""
    for call in calls:
        for _ in range(WARMUP):
            call()
    timings = [Timings([], []) for _ in calls]
    for _ in range(RUNS // BLOCK):
        for call, values in zip(calls, timings, strict=True):
            call()
            for _ in range(BLOCK):
                began, began_cpu = time.perf_counter(), time.process_time()
                call()
                values.wall.append(time.perf_counter() - began)
                values.cpu.append(time.process_time() - began_cpu)
    return timings


@dataclass(frozen=True)
class Row:
    case: Case
    slots: int
    size: int
    ours: Timings
    old: Timings
    floor: Timings


class Handlers:
    """The three handlers on one stubbed DynamoDB client."""

    def __init__(self) -> None:
        prepare_environment()
        from bench.warm import StubDynamoDB
        from functions.availability.app import lambda_handler, scheduling_store
        from scheduling.store import dynamodb_client
        from tests.support.lambda_events import context
        from tests.support.old_availability import old_lambda_handler

        self.stub = StubDynamoDB()
        self.client = dynamodb_client(None)
        self.client.meta.events.register("before-send.dynamodb", self.stub)
        self.ours = lambda_handler
        self.old = old_lambda_handler(scheduling_store, lambda: datetime.now(UTC))
        self.ctx: Any = context()

    def close(self) -> None:
        self.client.meta.events.unregister("before-send.dynamodb", self.stub)

    def prepare(self, case: Case) -> tuple[dict[str, Any], str]:
        from tests.support.lambda_events import event_with

        items = _booked_items(case)
        self.stub.answers = {
            "GetItem": {"Item": _doctor_item(case.slot_minutes)},
            "Query": {"Items": items, "Count": len(items)},
        }
        event = event_with("slots_list", query={"from": case.first_day, "to": case.last_day})
        ours, old = _invoke(self.ours, event, self.ctx), _invoke(self.old, event, self.ctx)
        assert ours["statusCode"] == old["statusCode"] == 200, (ours["statusCode"], old["statusCode"])
        assert ours["multiValueHeaders"] == old["multiValueHeaders"], (ours, old)
        assert ours["body"] == old["body"], "today's answer differs from the answer before issue 12"
        return event, ours["body"]


def rows() -> list[Row]:
    handlers = Handlers()
    from bench.floor_routes import prepared_text_app  # the source tree is on the path now

    try:
        table = []
        for case in CASES:
            event, body = handlers.prepare(case)
            floor = prepared_text_app(body, handlers.client)
            ours, old, bare = _time_in_turns(
                partial(_invoke, handlers.ours, event, handlers.ctx),
                partial(_invoke, handlers.old, event, handlers.ctx),
                partial(_invoke, floor.resolve, event, handlers.ctx),
            )
            table.append(Row(case, len(json.loads(body)["items"]), len(body), ours, old, bare))
        return table
    finally:
        handlers.close()


def profile(case: Case, old: bool = False, runs: int = 5) -> None:
    handlers = Handlers()
    try:
        event, _ = handlers.prepare(case)
        handler = handlers.old if old else handlers.ours
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(runs):
            _invoke(handler, event, handlers.ctx)
        profiler.disable()
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(25)
    finally:
        handlers.close()


def stages() -> list[tuple[str, float]]:
    """(stage, µs per slot): each stage of the 31-day answer alone, outside the handler, best of 15 runs."""
    prepare_environment()
    from aws_lambda_powertools.shared.json_encoder import Encoder
    from pydantic import TypeAdapter

    from bench.slot_generation import full_week_doctor
    from scheduling.domain.booked import free_of
    from scheduling.domain.daily_cap import local_day
    from scheduling.domain.slots import published_slots
    from scheduling.models import Slot, SlotsPage, slots_page_json
    from tests.support import old_slots

    doctor = full_week_doctor(5)
    zone = doctor.zone
    start, end = datetime(2035, 3, 1, tzinfo=zone), datetime(2035, 4, 1, tzinfo=zone)
    old = list(old_slots.published_slots(doctor, start, end))
    new = list(published_slots(doctor, start, end))

    def models() -> list[Slot]:
        return [
            Slot(start=slot.start.astimezone(zone), end=slot.end.astimezone(zone), locations=list(slot.locations))
            for slot in old
        ]

    page = SlotsPage(items=models())
    dumped = TypeAdapter(SlotsPage).dump_python(page, mode="json", by_alias=True)
    work: list[tuple[str, Callable[[], Any]]] = [
        ("before: generate (old published_slots)", lambda: list(old_slots.published_slots(doctor, start, end))),
        ("before: free_of, no bookings", lambda: list(old_slots.free_of(old, []))),
        ("before: local day of each slot (daily cap)", lambda: [local_day(s.start, zone) for s in old]),
        ("before: a Slot model per slot", models),
        ("before: powertools: pydantic JSON mode", lambda: TypeAdapter(SlotsPage).dump_python(page, mode="json")),
        ("before: powertools: json.dumps", lambda: json.dumps(dumped, separators=(",", ":"), cls=Encoder)),
        ("today: generate (published_slots)", lambda: list(published_slots(doctor, start, end))),
        ("today: free_of, no bookings", lambda: list(free_of(new, []))),
        ("today: slots_page_json", lambda: slots_page_json(new)),
    ]
    table = []
    for name, call in work:
        best = float("inf")
        for _ in range(15):
            began = time.process_time()
            call()
            best = min(best, time.process_time() - began)
        table.append((name, best / len(new) * 1e6))
    return table


def main() -> None:
    if "--stages" in sys.argv:
        for name, per_slot in stages():
            print(f"{name:<48}{per_slot:6.2f} µs/slot")
        return
    if "--profile" in sys.argv:
        profile(CASES[0], old="--old" in sys.argv)
        return
    print(f"Availability handler, warm ({RUNS} runs each, taking turns): median (p95) ms")
    for row in rows():
        print(f"{row.case.name} ({row.slots} slots, {row.size / 1e3:.0f} KB)")
        for name, timings in (("today", row.ours), ("before", row.old), ("floor", row.floor)):
            print(
                f"  {name:<8} wall {median(timings.wall) * 1e3:7.2f} (p95 {p95(timings.wall) * 1e3:7.2f})"
                f"  cpu {median(timings.cpu) * 1e3:7.2f} (p95 {p95(timings.cpu) * 1e3:7.2f})"
            )


if __name__ == "__main__":
    main()
