"""DynamoDB round trips and capacity units per API operation: deterministic, so they are also asserted in tests.

Capacity follows DynamoDB's published rules (moto's own ConsumedCapacity figures are not faithful):
- item size = attribute name bytes + value bytes (numbers about half their digits, lists and maps 3 bytes plus
  1 per element);
- a write costs ceil(size / 1 KB) write units in the table and again in every index that holds the item;
  transactional writes cost double;
- a read costs ceil(size / 4 KB) read units (strongly consistent; half for eventually consistent); a Query
  adds the sizes of the items it reads before rounding, BatchGetItem rounds each item; transactional reads
  cost double.

Round trips are counted in rounds too: calls the store issues together (`scheduling.store.fan_out`) are one
round, as long as the longest chain of calls inside any one of them. To count them, and to price each call
against the table as it was, the meter runs those calls one after another.
"""

from __future__ import annotations

import base64
import copy
import json
import math
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from unittest import mock

from bench.common import prepare_environment

KB = 1024
INDEX_KEYS = {"GSI1": "GSI1PK", "LSI1": "LSI1SK"}


def value_size(value: dict[str, Any]) -> int:
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        digits = inner.lstrip("-").replace(".", "").strip("0") or "0"
        return (len(digits) + 1) // 2 + 1
    if kind == "B":
        return len(base64.b64decode(inner))
    if kind in {"BOOL", "NULL"}:
        return 1
    if kind == "L":
        return 3 + sum(value_size(element) + 1 for element in inner)
    if kind == "M":
        return 3 + sum(len(name.encode()) + value_size(element) + 1 for name, element in inner.items())
    if kind in {"SS", "NS", "BS"}:
        return sum(value_size({kind[0]: element}) for element in inner)
    raise ValueError(kind)


def item_size(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def write_units(item: dict[str, Any]) -> int:
    """The table write plus one write per index holding the item (projection ALL: same size)."""
    copies = 1 + sum(1 for key in INDEX_KEYS.values() if key in item)
    return copies * math.ceil(item_size(item) / KB)


def read_units(items: list[dict[str, Any]], consistent: bool) -> float:
    units = max(1, math.ceil(sum(item_size(item) for item in items) / (4 * KB)))
    return float(units if consistent else units / 2)


@dataclass
class Usage:
    reads: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    read_units: float = 0.0
    write_units: float = 0.0
    calls_together: int = 0  # calls made inside fan-outs
    fan_out_rounds: int = 0  # what those calls cost in rounds

    @property
    def round_trips(self) -> int:
        return len(self.reads) + len(self.writes)

    @property
    def rounds(self) -> int:
        return self.round_trips - self.calls_together + self.fan_out_rounds


class Meter:
    """Watches every DynamoDB call of the shared client and prices it against the stored items it touches, read
    with a client of their own (`item_at`): the items a write will change before it runs, the items a read found
    after it."""

    def __init__(self, table: str, item_at: Callable[[str, str], dict[str, Any] | None]) -> None:
        self.table, self.item_at, self.usage = table, item_at, Usage()
        self._params: dict[str, Any] = {}
        self._before: dict[tuple[str, str], dict[str, Any] | None] = {}

    def before(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self._params = copy.deepcopy(params)
        self._before = {key: self.item_at(*key) for key in self._written_keys(model.name, params)}

    def _written_keys(self, name: str, params: dict[str, Any]) -> list[tuple[str, str]]:
        if name == "TransactWriteItems":
            actions = [inner for action in params["TransactItems"] for inner in action.values()]
        elif name in {"PutItem", "DeleteItem", "UpdateItem"}:
            actions = [params]
        else:
            return []
        keys = [action.get("Key") or action["Item"] for action in actions if action["TableName"] == self.table]
        return [(key["PK"]["S"], key["SK"]["S"]) for key in keys]

    def after(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        name, params = model.name, self._params
        tables = {params.get("TableName", self.table), *params.get("RequestItems", {})}
        if self.table not in tables and name != "TransactWriteItems":
            return
        if name == "Scan":
            raise AssertionError("a request path used Scan")
        if name == "BatchGetItem":
            self.usage.reads.append(name)
            for table, found in parsed.get("Responses", {}).items():
                consistent = bool(params["RequestItems"][table].get("ConsistentRead"))
                self.usage.read_units += sum(read_units([self._full(item, None)], consistent) for item in found)
        elif name in {"GetItem", "Query"}:
            self.usage.reads.append(name)
            found = parsed.get("Items") or ([parsed["Item"]] if "Item" in parsed else [])
            partition = params.get("ExpressionAttributeValues", {}).get(":pk") or params.get("Key", {}).get("PK")
            items = [self._full(item, partition) for item in found]
            self.usage.read_units += read_units(items, bool(params.get("ConsistentRead")))
        elif name in {"PutItem", "DeleteItem", "UpdateItem"}:
            self.usage.writes.append(name)
            self.usage.write_units += self._write(name, params)
        elif name == "TransactWriteItems":
            self.usage.writes.append(name)
            for action in params["TransactItems"]:
                ((kind, inner),) = action.items()
                self.usage.write_units += 2 * self._write(f"{kind}Item", inner)

    def _full(self, item: dict[str, Any], partition: dict[str, str] | None) -> dict[str, Any]:
        """The whole stored item: a projected read is charged for all of it (a read changes nothing: the item
        read after the call is the one the call read)."""
        pk = item.get("PK") or partition
        return (self.item_at(pk["S"], item["SK"]["S"]) or item) if pk and "SK" in item else item

    def _write(self, name: str, params: dict[str, Any]) -> int:
        key = params.get("Key") or {"PK": params["Item"]["PK"], "SK": params["Item"]["SK"]}
        old = self._before.get((key["PK"]["S"], key["SK"]["S"]))
        if name == "PutItem":
            return max(write_units(params["Item"]), write_units(old) if old else 0)
        return write_units(old) if old else 1


@contextmanager
def calls_in_turn(meter: Meter) -> Iterator[None]:
    """The fan-outs (every module that issues calls together through `scheduling.store.fan_out`) run their calls
    one after another, each fan-out counted as one round of the longest chain of calls in it (a unit test shows
    the real fan-out runs them at once)."""

    def in_turn(calls: Any) -> list[Any]:
        results, longest = [], 0
        for call in calls:
            before = meter.usage.round_trips
            results.append(call())
            longest = max(longest, meter.usage.round_trips - before)
            meter.usage.calls_together += meter.usage.round_trips - before
        meter.usage.fan_out_rounds += longest
        return results

    import scheduling.store.fan_out as original

    users = [
        module
        for name, module in list(sys.modules.items())
        if name.startswith("scheduling.") and getattr(module, "fan_out", None) is original.fan_out
    ]
    with ExitStack() as patches:
        for module in [original, *users]:
            patches.enter_context(mock.patch.object(module, "fan_out", in_turn))
        yield


@contextmanager
def clock_at(text: str) -> Iterator[None]:
    """The service's clock set to `text` (lifecycle changes depend on the time)."""
    from scheduling import service

    saved = service.clock.now
    service.clock.now = lambda: datetime.fromisoformat(text)  # the service's one clock
    try:
        yield
    finally:
        service.clock.now = saved


# Rounds per operation before issue #23 (commit c7e75f2, measured by these rows): a write's reads one after another.
ROUNDS_BEFORE = {
    "book appointment": 3,
    "book appointment with a patient id": 5,
    "reschedule appointment": 4,
    "cancel appointment": 3,
    "hold a slot": 3,
    "convert a hold": 2,
    "convert a hold that names a patient": 4,
    "no-show": 2,
    "check in": 2,
    "complete": 2,
    # the rows added with the capped booking's change (commit ad4e332, measured by these rows the same day)
    "book at a capped doctor": 3,
    "reschedule an appointment with a patient": 3,
    "reschedule an appointment with a patient booked seconds before": 4,
    # the request could not name the patient before (issue #23, item 1): the same move, unnamed, took these
    "reschedule an appointment, the request naming its patient": 3,
    "reschedule an appointment, the request naming its patient booked seconds before": 4,
}

SEARCH_DOCTORS = 50
WORKING_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")
SEARCH_WEEKDAYS = {day: [{"start": "09:00", "end": "17:00"}] for day in WORKING_DAYS}


def calls(names: list[str]) -> str:
    """Call names in order, a run of more than three of one name written once with its count."""
    runs: list[list[Any]] = []
    for name in names:
        if runs and runs[-1][0] == name:
            runs[-1][1] += 1
        else:
            runs.append([name, 1])
    return " ".join(" ".join([name] * count) if count <= 3 else f"{name} x{count}" for name, count in runs) or "-"


def rows() -> list[tuple[str, str, str, float, float, int]]:
    """(operation, reads, writes, read units, write units, rounds), each measured on one request."""
    prepare_environment()
    import boto3
    from moto import mock_aws

    from local.template import create_tables, load_template, table_names
    from tests.support.lambda_events import context, event_with, sample_event

    template = load_template()
    tables = table_names(template)
    with mock_aws():
        client = boto3.client("dynamodb")
        create_tables(client, template, tables)
        from functions.appointments.app import lambda_handler as appointments
        from functions.availability.app import lambda_handler as availability
        from functions.doctors.app import lambda_handler as doctors
        from functions.holds.app import lambda_handler as holds
        from scheduling.store import dynamodb_client

        dynamodb_client.cache_clear()  # a client made before moto was imported would reach for the network

        def item_at(pk: str, sk: str) -> dict[str, Any] | None:
            key = {"PK": {"S": pk}, "SK": {"S": sk}}
            found: dict[str, Any] | None = client.get_item(
                TableName=tables["SchedulingTable"], Key=key, ConsistentRead=True
            ).get("Item")
            return found

        meter = Meter(tables["SchedulingTable"], item_at)
        ctx: Any = context()
        events = dynamodb_client(None).meta.events

        def call(handler: Callable[..., Any], event: dict[str, Any]) -> tuple[Usage, dict[str, Any]]:
            meter.usage = Usage()
            events.register("before-parameter-build.dynamodb", meter.before)
            events.register("after-call.dynamodb", meter.after)
            try:
                with calls_in_turn(meter):
                    answer = handler(event, ctx)
            finally:
                events.unregister("before-parameter-build.dynamodb", meter.before)
                events.unregister("after-call.dynamodb", meter.after)
            assert answer["statusCode"] < 300, answer
            return meter.usage, json.loads(answer["body"] or "null")

        results: list[tuple[str, Usage]] = []
        created, doctor = call(doctors, sample_event("doctors_create"))
        results.append(("create doctor", created))
        doctor_id = doctor["id"]
        on_doctor = {"doctor_id": doctor_id}
        for n in range(10):
            doctors(event_with("doctors_create", body={"name": f"Doctor {n}", "locations": ["1 Road"]}), ctx)
        results.append(("read doctor", call(doctors, event_with("doctors_get", path_parameters=on_doctor))[0]))
        results.append(
            ("list doctors (page of 10)", call(doctors, event_with("doctors_list", query={"limit": "10"}))[0])
        )
        same_hours = json.loads(sample_event("doctors_create")["body"])
        replace = event_with("doctors_replace", path_parameters=on_doctor, body=same_hours)
        results.append(("replace doctor", call(doctors, replace)[0]))
        no_patient = {"start": "2035-06-04T09:30:00-04:00", "location": "123 Main St"}
        usage, booked = call(appointments, event_with("appointments_book", path_parameters=on_doctor, body=no_patient))
        results.append(("book appointment", usage))
        with_patient = {"start": "2035-06-04T14:00:00-04:00", "location": "123 Main St", "patient": {"id": "p-9"}}
        usage, _ = call(appointments, event_with("appointments_book", path_parameters=on_doctor, body=with_patient))
        results.append(("book appointment with a patient id", usage))
        later: dict[str, str] = {}
        for start in ("2035-06-04T10:00:00-04:00", "2035-06-04T11:00:00-04:00", "2035-06-04T11:30:00-04:00"):
            body = {"start": start, "location": "123 Main St"}
            answer = appointments(event_with("appointments_book", path_parameters=on_doctor, body=body), ctx)
            later[start] = json.loads(answer["body"])["id"]
        slots = event_with("slots_list", path_parameters=on_doctor)
        results.append(("free slots, 1 day, 4 booked", call(availability, slots)[0]))
        on_appointment = {"doctor_id": doctor_id, "appointment_id": booked["id"]}
        results.append(
            ("read appointment", call(appointments, event_with("appointments_get", path_parameters=on_appointment))[0])
        )
        listing = event_with("appointments_list", path_parameters=on_doctor, query={"limit": "10"})
        results.append(("list appointments (page of 4)", call(appointments, listing)[0]))
        reschedule = event_with("appointments_reschedule", path_parameters=on_appointment)
        usage, moved = call(appointments, reschedule)
        results.append(("reschedule appointment", usage))
        cancel = event_with(
            "appointments_cancel", path_parameters={"doctor_id": doctor_id, "appointment_id": moved["id"]}
        )
        results.append(("cancel appointment", call(appointments, cancel)[0]))
        results.append(("cancel again (no change)", call(appointments, cancel)[0]))
        held_body = {"start": "2035-06-04T13:00:00-04:00", "location": "123 Main St"}
        usage, held = call(holds, event_with("holds_create", path_parameters=on_doctor, body=held_body))
        results.append(("hold a slot", usage))
        convert = event_with("appointments_book", path_parameters=on_doctor, body={"hold_id": held["id"]})
        usage, converted = call(appointments, convert)
        results.append(("convert a hold", usage))
        for_patient = {"start": "2035-06-04T16:00:00-04:00", "location": "123 Main St", "patient": {"id": "p-7"}}
        held_for = json.loads(
            holds(event_with("holds_create", path_parameters=on_doctor, body=for_patient), ctx)["body"]
        )
        convert = event_with("appointments_book", path_parameters=on_doctor, body={"hold_id": held_for["id"]})
        results.append(("convert a hold that names a patient", call(appointments, convert)[0]))
        on_converted = {"doctor_id": doctor_id, "appointment_id": converted["id"]}
        with clock_at("2035-06-04T10:05:00-04:00"):
            on_missed = {"doctor_id": doctor_id, "appointment_id": later["2035-06-04T10:00:00-04:00"]}
            results.append(
                ("no-show", call(appointments, event_with("appointments_no_show", path_parameters=on_missed))[0])
            )
        with clock_at("2035-06-04T12:50:00-04:00"):
            check_in = event_with("appointments_check_in", path_parameters=on_converted)
            results.append(("check in", call(appointments, check_in)[0]))
            complete = event_with("appointments_complete", path_parameters=on_converted)
            results.append(("complete", call(appointments, complete)[0]))
        results += _capped_and_patient_moves(call, doctors, appointments, ctx)
        unbooked = json.loads(doctors(event_with("doctors_list", query={"limit": "1"}), ctx)["body"])["items"][0]["id"]
        delete = event_with("doctors_delete", path_parameters={"doctor_id": unbooked})
        results.append(("delete doctor (no bookings)", call(doctors, delete)[0]))
        results += _searches(call, doctors, appointments, availability, ctx)
    return [
        (name, calls(usage.reads), calls(usage.writes), usage.read_units, usage.write_units, usage.rounds)
        for name, usage in results
    ]


def _capped_and_patient_moves(
    call: Callable[..., Any], doctors: Callable[..., Any], appointments: Callable[..., Any], ctx: Any
) -> list[tuple[str, Usage]]:
    """A booking at a doctor with a daily cap (its day booked a minute before: the day lock is settled), and a
    reschedule of an appointment that names a patient (booked a minute before, and seconds before), the request
    not naming the patient and then naming it."""
    from tests.support.lambda_events import event_with

    def created(**fields: Any) -> dict[str, str]:
        body = {**json.loads(_sample_body()), **fields}
        return {"doctor_id": json.loads(doctors(event_with("doctors_create", body=body), ctx)["body"])["id"]}

    capped = created(name="Zoe Capped", rules={"max_per_day": 8})
    plain = created(name="Zoe Plain")  # the moves: a doctor without a cap, so the rows show the patient's part

    def book(start: str, patient: str | None = None, on: dict[str, str] = plain) -> dict[str, Any]:
        booking: dict[str, Any] = {"start": start, "location": "123 Main St"}
        if patient is not None:
            booking["patient"] = {"id": patient}
        answer = appointments(event_with("appointments_book", path_parameters=on, body=booking), ctx)
        assert answer["statusCode"] == 201, answer
        return dict(json.loads(answer["body"]))

    def move(appointment: dict[str, Any], start: str, naming: bool = False) -> Usage:
        on = {**plain, "appointment_id": appointment["id"]}
        body: dict[str, Any] = {"start": start}
        if naming:
            body["patient"] = {"id": appointment["patient"]["id"]}
        event = event_with("appointments_reschedule", path_parameters=on, body=body)
        return call(appointments, event)[0]  # type: ignore[no-any-return]

    results: list[tuple[str, Usage]] = []
    with clock_at("2035-06-01T09:00:00-04:00"):
        book("2035-06-04T09:00:00-04:00", on=capped)
        mover = book("2035-06-04T10:00:00-04:00", patient="p-21")
        named = book("2035-06-11T10:00:00-04:00", patient="p-23")
    with clock_at("2035-06-01T09:01:00-04:00"):
        booking = {"start": "2035-06-04T11:00:00-04:00", "location": "123 Main St"}
        usage = call(appointments, event_with("appointments_book", path_parameters=capped, body=booking))[0]
        results.append(("book at a capped doctor", usage))
        results.append(("reschedule an appointment with a patient", move(mover, "2035-06-04T14:00:00-04:00")))
        fresh = book("2035-06-06T10:00:00-04:00", patient="p-22")
        results.append(
            ("reschedule an appointment with a patient booked seconds before", move(fresh, "2035-06-06T14:00:00-04:00"))
        )
        naming = "reschedule an appointment, the request naming its patient"
        results.append((naming, move(named, "2035-06-11T14:00:00-04:00", naming=True)))
        fresh_named = book("2035-06-13T10:00:00-04:00", patient="p-24")
        moved = move(fresh_named, "2035-06-13T14:00:00-04:00", naming=True)
        results.append((f"{naming} booked seconds before", moved))
    return results


def _sample_body() -> str:
    from tests.support.lambda_events import sample_event

    return str(sample_event("doctors_create")["body"])


def _searches(
    call: Callable[..., Any],
    doctors: Callable[..., Any],
    appointments: Callable[..., Any],
    availability: Callable[..., Any],
    ctx: Any,
) -> list[tuple[str, Usage]]:
    """Searches across 50 doctors at one location (half of them cardiologists), a quarter of the first day
    booked."""
    from tests.support.lambda_events import event_with

    for n in range(SEARCH_DOCTORS):
        body = {
            "name": f"Searched {n:02d}",
            "locations": ["North Wing", f"Clinic {n}"],
            "specialties": ["cardiology"] if n % 2 else ["dermatology"],
            "timezone": "Europe/London",
            "slot_minutes": 30,
            "schedule": SEARCH_WEEKDAYS,
        }
        doctor = json.loads(doctors(event_with("doctors_create", body=body), ctx)["body"])
        for hour in range(9, 17, 2):  # 4 of the first day's 16 slots
            booking = {"start": f"2035-06-04T{hour:02d}:00:00+01:00", "location": "North Wing"}
            event = event_with("appointments_book", path_parameters={"doctor_id": doctor["id"]}, body=booking)
            appointments(event, ctx)
    window = {"from": "2035-06-04T00:00:00Z", "to": "2035-06-18T00:00:00Z"}
    first_20 = event_with("slots_search", query={"location": "north wing", **window, "limit": "20"})
    both = event_with("slots_search", query={"location": "North Wing", "specialty": "Cardiology", **window})
    return [
        (f"search {SEARCH_DOCTORS} doctors, 14 days, first 20", call(availability, first_20)[0]),
        (f"search {SEARCH_DOCTORS} doctors by location and specialty", call(availability, both)[0]),
    ]
