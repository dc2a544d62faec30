"""Warm cost per route: the real handler in-process with DynamoDB answered by a stub, against the floor.

The stub answers at botocore's `before-send` (after serialisation, before the network), so the measured cost
includes our validation, domain, store and botocore's request/response handling, but no I/O. The floor is a
bare powertools resolver with a route of the same shape and validation that returns a prepared answer.
"""

from __future__ import annotations

import copy
import json
import os
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from bench.common import median, p95, prepare_environment

WARMUP = 20
RUNS = int(os.environ.get("BENCH_WARM_RUNS", "200"))


class StubDynamoDB:
    """Canned DynamoDB answers per operation; remembers the items written."""

    def __init__(self) -> None:
        self.answers: dict[str, dict[str, Any]] = {}
        self.written: list[dict[str, Any]] = []

    def __call__(self, request: Any, **_: Any) -> Any:
        from botocore.awsrequest import AWSResponse

        target = request.headers["X-Amz-Target"]
        operation = (target.decode() if isinstance(target, bytes) else target).rsplit(".", 1)[-1]
        if operation == "PutItem":
            self.written.append(json.loads(request.body)["Item"])
        if operation == "TransactWriteItems":
            actions = json.loads(request.body)["TransactItems"]
            self.written += [action["Put"]["Item"] for action in actions if "Put" in action]
        body = json.dumps(self.answers.get(operation, {})).encode()
        headers: Any = {"Content-Type": "application/x-amz-json-1.0"}
        return AWSResponse(request.url, 200, headers, _Raw(body))

    def last_written(self, sort_key_prefix: str) -> dict[str, Any]:
        return next(item for item in reversed(self.written) if item["SK"]["S"].startswith(sort_key_prefix))


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body


def _event(name: str, **changes: Any) -> dict[str, Any]:
    from tests.support.lambda_events import event_with

    return event_with(name, **changes)


def _invoke(handler: Callable[..., Any], event: dict[str, Any], ctx: Any) -> Any:
    return handler(copy.deepcopy(event), ctx)  # handlers may change the event they get


def _time_in_turns(*calls: Callable[[], Any]) -> list[list[float]]:
    """Each call timed RUNS times, the calls taking turns, so drift in the machine's load hits all alike."""
    for call in calls:
        for _ in range(WARMUP):
            call()
    timings: list[list[float]] = [[] for _ in calls]
    for _ in range(RUNS):
        for call, values in zip(calls, timings, strict=True):
            began = time.perf_counter()
            call()
            values.append(time.perf_counter() - began)
    return timings


def rows() -> list[tuple[str, float, float, float, float, float, float]]:
    """(route, ours median µs, p95 µs, floor median µs, ratio, floor-with-I/O median µs, ratio to it)."""
    prepare_environment()
    from scheduling.store import dynamodb_client

    stub = StubDynamoDB()
    events = dynamodb_client(None).meta.events
    events.register("before-send.dynamodb", stub)
    try:
        return _measure(stub)
    finally:
        events.unregister("before-send.dynamodb", stub)


def _measure(stub: StubDynamoDB) -> list[tuple[str, float, float, float, float, float, float]]:
    from functions.appointments.app import lambda_handler as appointments
    from functions.availability.app import lambda_handler as availability
    from functions.doctors.app import lambda_handler as doctors
    from scheduling.models import Appointment, AppointmentsPage, Doctor, DoctorsPage, SlotsPage
    from scheduling.store import dynamodb_client
    from tests.support.lambda_events import SAMPLE_DOCTOR_ID, context, sample_event

    ctx: Any = context()

    created = json.loads(doctors(sample_event("doctors_create"), ctx)["body"])
    doctor_item = stub.last_written("PROFILE") | {
        "PK": {"S": f"DOCTOR#{SAMPLE_DOCTOR_ID}"},
        "id": {"S": SAMPLE_DOCTOR_ID},
    }
    stub.answers["GetItem"] = {"Item": doctor_item}
    stub.answers["Query"] = {"Items": [], "Count": 0}  # nothing overlaps: the booking goes through
    booked = json.loads(appointments(sample_event("appointments_book"), ctx)["body"])
    appointment_item = stub.last_written("SLOT#")
    appointment_id = booked["id"]
    on_appointment = {"doctor_id": SAMPLE_DOCTOR_ID, "appointment_id": appointment_id}
    one_appointment = {"Items": [appointment_item], "Count": 1}
    ten_appointments = {"Items": [appointment_item] * 10, "Count": 10}
    ten_doctors = {"Items": [doctor_item] * 10, "Count": 10}
    no_items: dict[str, Any] = {"Items": [], "Count": 0}

    stub.answers["Query"] = no_items
    doctor = Doctor.model_validate({**created, "id": SAMPLE_DOCTOR_ID})
    appointment = Appointment.model_validate(booked)
    from bench.floor_routes import floor_app

    answers = {
        "doctor": doctor,
        "doctors": DoctorsPage(items=[doctor] * 10, next_token=None),
        "slots": SlotsPage.model_validate(json.loads(availability(sample_event("slots_list"), ctx)["body"])),
        "appointment": appointment,
        "appointments": AppointmentsPage(items=[appointment] * 10, next_token=None),
        "cancelled": appointment.model_copy(update={"status": "cancelled"}),
    }
    floor = floor_app(answers)
    floor_with_io = floor_app(answers, dynamodb_client(None), {"doctor": doctor_item, "appointment": appointment_item})

    # route -> (our handler, event, DynamoDB answers)
    cases: dict[str, tuple[Callable[..., Any], dict[str, Any], dict[str, Any]]] = {
        "POST /doctors": (doctors, sample_event("doctors_create"), {}),
        "GET /doctors": (doctors, sample_event("doctors_list"), {"Query": ten_doctors}),
        "GET /doctors/{id}": (doctors, sample_event("doctors_get"), {}),
        "PUT /doctors/{id}": (doctors, sample_event("doctors_replace"), {}),
        "GET /doctors/{id}/slots (1 day)": (availability, sample_event("slots_list"), {"Query": no_items}),
        "POST /doctors/{id}/appointments": (appointments, sample_event("appointments_book"), {"Query": no_items}),
        "GET /doctors/{id}/appointments": (
            appointments,
            sample_event("appointments_list"),
            {"Query": ten_appointments},
        ),
        "GET /doctors/{id}/appointments/{aid}": (
            appointments,
            _event("appointments_get", path_parameters=on_appointment),
            {"Query": one_appointment},
        ),
        "POST .../{aid}/cancel": (
            appointments,
            _event("appointments_cancel", path_parameters=on_appointment),
            {"Query": one_appointment},
        ),
        "POST .../{aid}/reschedule": (
            appointments,
            _event("appointments_reschedule", path_parameters=on_appointment),
            {"Query": one_appointment},
        ),
    }
    table = []
    for route, (handler, event, dynamodb_answers) in cases.items():
        stub.answers = {"GetItem": {"Item": doctor_item}, **dynamodb_answers}
        expected = handler(copy.deepcopy(event), ctx)["statusCode"]
        assert expected < 300, (route, expected)
        ours, bare, with_io = _time_in_turns(
            partial(_invoke, handler, event, ctx),
            partial(_invoke, floor.resolve, event, ctx),
            partial(_invoke, floor_with_io.resolve, event, ctx),
        )
        table.append(
            (
                route,
                median(ours) * 1e6,
                p95(ours) * 1e6,
                median(bare) * 1e6,
                median(ours) / median(bare),
                median(with_io) * 1e6,
                median(ours) / median(with_io),
            )
        )
    return table
