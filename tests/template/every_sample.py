"""Every sample event of `events/`, served through the functions in an order that gives each one a meaning, with
the answer a client must get. The built-artifact checks run it: on the x86_64 twin in `make test`
(test_built_artifact.py) and on arm64 under qemu in `make arm64-check` (test_built_artifact_arm64.py).

The samples name one doctor, appointment and hold; each step puts in the ids that earlier answers gave. The
sample appointments are in June 2035, so the lifecycle steps that need the appointment's time to have come
(check-in, no-show) and `complete` (which needs a check-in) are refused, each with its own problem.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from local.template import api_routes, load_template
from tests.support.lambda_events import EVENTS, Answer, event_with, sample_event

Invoke = Callable[[str, dict[str, Any]], dict[str, Any]]  # (function's logical id, event) -> proxy result
SAMPLES = sorted(path.stem for path in EVENTS.glob("*.json"))


def serve_every_sample(invoke: Invoke) -> list[str]:
    """Serve the samples in order and check each answer; the names of the samples served."""
    functions = {(route.method.upper(), route.path): route.function for route in api_routes(load_template())}
    served: list[str] = []

    def send(name: str, status: int, **changes: Any) -> Answer:
        event = event_with(name, **changes)
        answer = Answer(invoke(functions[(event["httpMethod"], event["resource"])], event))
        assert answer.status == status, (name, answer)
        if status >= 400:
            assert answer.headers["content-type"] == "application/problem+json", (name, answer.headers)
            assert answer.json()["status"] == status, (name, answer)
        served.append(name)
        return answer

    def problem(answer: Answer) -> str:
        return str(answer.json()["type"])

    doctor = send("doctors_create", 201).json()
    on_doctor = {"doctor_id": doctor["id"]}
    assert doctor["id"] in [found["id"] for found in send("doctors_list", 200).json()["items"]]
    assert send("doctors_get", 200, path_parameters=on_doctor).json() == doctor
    slots = send("slots_list", 200, path_parameters=on_doctor).json()["items"]
    assert datetime.fromisoformat("2035-06-04T09:30:00-04:00") in [datetime.fromisoformat(s["start"]) for s in slots]
    found = send("slots_search", 200).json()["items"]  # by the sample doctor's location and specialty
    assert {item["doctor_id"] for item in found} == {doctor["id"]}
    assert [item["start"] for item in found][: len(slots)] == [slot["start"] for slot in slots]

    # A hold keeps the slot from anyone else until it is released.
    hold = send("holds_create", 201, path_parameters=on_doctor).json()
    on_hold = {**on_doctor, "hold_id": hold["id"]}
    assert send("holds_get", 200, path_parameters=on_hold).json()["id"] == hold["id"]
    at_the_hold = {**_body("appointments_book"), "start": hold["start"]}
    assert problem(send("appointments_book", 409, path_parameters=on_doctor, body=at_the_hold)) == "/problems/slot-held"
    send("holds_release", 204, path_parameters=on_hold)

    booked = send("appointments_book", 201, path_parameters=on_doctor).json()
    on_booked = {**on_doctor, "appointment_id": booked["id"]}
    assert send("appointments_get", 200, path_parameters=on_booked).json() == booked
    listed = send("appointments_list", 200, path_parameters=on_doctor).json()["items"]
    assert [found["id"] for found in listed] == [booked["id"]]
    moved = send("appointments_reschedule", 201, path_parameters=on_booked).json()
    assert datetime.fromisoformat(moved["start"]) == datetime.fromisoformat("2035-06-04T10:30:00-04:00")

    # The slot the reschedule freed is held again, and the hold becomes an appointment.
    again = {**_body("holds_create"), "start": booked["start"]}
    hold = send("holds_create", 201, path_parameters=on_doctor, body=again).json()
    by_hold = {**_body("appointments_book_hold"), "hold_id": hold["id"]}
    from_hold = send("appointments_book_hold", 201, path_parameters=on_doctor, body=by_hold).json()
    assert from_hold["start"] == booked["start"]
    on_from_hold = {**on_doctor, "appointment_id": from_hold["id"]}
    mine = send("patients_appointments", 200).json()["items"]
    assert {found["id"]: found["status"] for found in mine} == {
        booked["id"]: "cancelled",  # a reschedule cancels the original and books the new time
        moved["id"]: "booked",
        from_hold["id"]: "booked",
    }

    assert problem(send("appointments_check_in", 409, path_parameters=on_from_hold)) == "/problems/invalid-transition"
    assert problem(send("appointments_complete", 409, path_parameters=on_from_hold)) == "/problems/invalid-transition"
    assert problem(send("appointments_no_show", 409, path_parameters=on_from_hold)) == "/problems/invalid-transition"
    cancelled = send("appointments_cancel", 200, path_parameters={**on_doctor, "appointment_id": moved["id"]})
    assert cancelled.json()["status"] == "cancelled"

    # The FHIR facade over the same doctor: read the capabilities and the slots, then find, hold and book one.
    assert send("fhir_metadata", 200).json()["resourceType"] == "CapabilityStatement"
    schedule = {"schedule": f"Schedule/{doctor['id']}", "start": "ge2035-06-04", "_count": "10"}
    assert send("fhir_slots", 200, query=schedule).json()["resourceType"] == "Bundle"
    window = {"start": "2035-06-04T00:00:00Z", "end": "2035-06-05T00:00:00Z", "_count": "1"}
    proposed = send("fhir_find", 200, query={"practitioner": f"Practitioner/{doctor['id']}", **window}).json()
    proposed_id = proposed["entry"][0]["resource"]["id"]
    held = send("fhir_hold", 200, body=_fhir_parameters(proposed_id)).json()["entry"][0]["resource"]
    assert held["status"] == "pending"
    fhir_booked = send("fhir_book", 200, body=_fhir_parameters(held["id"])).json()["entry"][0]["resource"]
    assert fhir_booked["status"] == "booked"

    patched = send("doctors_patch", 200, path_parameters=on_doctor).json()
    assert (patched["locations"], "wednesday" in patched["schedule"]) == (["789 Elm St"], False)
    assert send("doctors_replace", 200, path_parameters=on_doctor).json()["slot_minutes"] == 20
    assert problem(send("doctors_delete", 409, path_parameters=on_doctor)) == "/problems/doctor-has-bookings"

    # The stream consumer publishes the sample stream record (a booking) on the bus, with nothing left to retry.
    assert invoke("EventsFunction", sample_event("stream_booking")) == {"batchItemFailures": []}
    served.append("stream_booking")
    return served


def _body(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(sample_event(name)["body"])
    return body


def _fhir_parameters(appointment_id: str) -> dict[str, Any]:
    reference = {"reference": f"Appointment/{appointment_id}"}
    return {"resourceType": "Parameters", "parameter": [{"name": "appointment-reference", "valueReference": reference}]}
