"""Writes the sample API Gateway events in `events/`: run `python -m tools.make_events` when routes change.

The events are built by the local runner's own event builder, so they have the shape API Gateway sends.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from local.events import build_event
from local.paths import ROOT
from local.seed import sample_doctors, sample_ids
from local.template import api_routes, load_template

# The seed's sample doctor, appointment and holds (local/seed.py): on a fresh `make run` or `make sam-api` every
# sample succeeds, or answers what FRESH_SEED_STATUS says, sent in that order. Each sample that writes takes a slot
# of its own on Monday 2035-06-04 in New York (the sample doctors have no booking horizon: the dates stay bookable
# until then): the seed's hold to book 09:00, appointment 09:30, hold 10:00; the reschedule's target 10:30,
# appointments_book 11:00, holds_create 11:30, fhir_hold 13:00.
SEEDED = sample_ids()
DOCTOR_ID = SEEDED["doctor"]
OTHER_DOCTOR_ID = sample_doctors()[1]["id"]  # no bookings: doctors_delete succeeds
APPOINTMENT_ID = SEEDED["appointment"]
HOLD_ID = SEEDED["hold"]  # holds_get, holds_release
HOLD_TO_BOOK_ID = SEEDED["hold_to_book"]  # appointments_book_hold, fhir_book
ONE_DOCTOR = f"/doctors/{DOCTOR_ID}"
ONE_APPOINTMENT = f"{ONE_DOCTOR}/appointments/{APPOINTMENT_ID}"
APPOINTMENT_RESOURCE = "/doctors/{doctor_id}/appointments/{appointment_id}"
JSON_BODY = [("Content-Type", "application/json"), ("Accept", "application/json")]
FHIR_BODY = [("Content-Type", "application/fhir+json"), ("Accept", "application/fhir+json")]
ACCEPT_FHIR = [("Accept", "application/fhir+json")]
# The FHIR ids of the fhir_hold sample's slot (13:00 at 123 Main St) and of the seed's hold to book.


def _fhir_ids() -> tuple[str, str]:
    from scheduling.fhir.ids import pending_id, proposed_id  # importable once sample_ids() set the path

    proposed = proposed_id(DOCTOR_ID, datetime.fromisoformat("2035-06-04T13:00:00-04:00"), "123 Main St")
    return proposed, pending_id(DOCTOR_ID, HOLD_TO_BOOK_ID)


PROPOSED_ID, PENDING_ID = _fhir_ids()
ACCEPT_JSON = [("Accept", "application/json")]
HOUSE = {
    "name": "Gregory House",
    "locations": ["123 Main St", "456 Central St"],
    "specialties": ["diagnostics", "nephrology"],
    "timezone": "America/New_York",
    "slot_minutes": 30,
    "schedule": {
        "monday": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}],
        "wednesday": [{"start": "08:00", "end": "16:00"}],
    },
}

# name -> (method, resource, concrete path with query, body, headers)
SAMPLES: dict[str, tuple[str, str, str, Any, list[tuple[str, str]]]] = {
    "doctors_create": ("POST", "/doctors", "/doctors", HOUSE, JSON_BODY),
    "doctors_list": ("GET", "/doctors", "/doctors?limit=10", None, ACCEPT_JSON),
    "doctors_get": ("GET", "/doctors/{doctor_id}", ONE_DOCTOR, None, ACCEPT_JSON),
    "doctors_replace": ("PUT", "/doctors/{doctor_id}", ONE_DOCTOR, {**HOUSE, "slot_minutes": 20}, JSON_BODY),
    "doctors_patch": (
        "PATCH",
        "/doctors/{doctor_id}",
        ONE_DOCTOR,
        {"locations": ["789 Elm St"], "schedule": {"wednesday": None}},
        [("Content-Type", "application/merge-patch+json")],
    ),
    "doctors_delete": ("DELETE", "/doctors/{doctor_id}", f"/doctors/{OTHER_DOCTOR_ID}", None, []),
    "slots_list": (
        "GET",
        "/doctors/{doctor_id}/slots",
        f"{ONE_DOCTOR}/slots?from=2035-06-04&to=2035-06-05",
        None,
        ACCEPT_JSON,
    ),
    "slots_search": (
        "GET",
        "/slots",
        "/slots?location=123%20Main%20St&specialty=diagnostics&from=2035-06-04T00:00:00Z&limit=20",
        None,
        ACCEPT_JSON,
    ),
    "appointments_book": (
        "POST",
        "/doctors/{doctor_id}/appointments",
        f"{ONE_DOCTOR}/appointments",
        {
            "start": "2035-06-04T11:00:00-04:00",
            "location": "123 Main St",
            "patient": {"id": "p-123", "name": "Ada Lovelace"},
        },
        JSON_BODY,
    ),
    "appointments_list": (
        "GET",
        "/doctors/{doctor_id}/appointments",
        f"{ONE_DOCTOR}/appointments?from=2035-06-01&to=2035-07-01&status=booked&limit=20",
        None,
        ACCEPT_JSON,
    ),
    "appointments_get": (
        "GET",
        "/doctors/{doctor_id}/appointments/{appointment_id}",
        ONE_APPOINTMENT,
        None,
        ACCEPT_JSON,
    ),
    "appointments_cancel": (
        "POST",
        "/doctors/{doctor_id}/appointments/{appointment_id}/cancel",
        f"{ONE_APPOINTMENT}/cancel",
        {"reason": "Patient called to cancel"},
        JSON_BODY,
    ),
    "appointments_reschedule": (
        "POST",
        "/doctors/{doctor_id}/appointments/{appointment_id}/reschedule",
        f"{ONE_APPOINTMENT}/reschedule",
        {"start": "2035-06-04T10:30:00-04:00", "location": "456 Central St"},
        JSON_BODY,
    ),
    "appointments_check_in": ("POST", f"{APPOINTMENT_RESOURCE}/check-in", f"{ONE_APPOINTMENT}/check-in", None, []),
    "appointments_complete": ("POST", f"{APPOINTMENT_RESOURCE}/complete", f"{ONE_APPOINTMENT}/complete", None, []),
    "appointments_no_show": ("POST", f"{APPOINTMENT_RESOURCE}/no-show", f"{ONE_APPOINTMENT}/no-show", None, []),
    "appointments_book_hold": (
        "POST",
        "/doctors/{doctor_id}/appointments",
        f"{ONE_DOCTOR}/appointments",
        {"hold_id": HOLD_TO_BOOK_ID, "patient": {"id": "p-123"}},
        JSON_BODY,
    ),
    "holds_create": (
        "POST",
        "/doctors/{doctor_id}/holds",
        f"{ONE_DOCTOR}/holds",
        {"start": "2035-06-04T11:30:00-04:00", "location": "123 Main St", "ttl_seconds": 600},
        JSON_BODY,
    ),
    "patients_appointments": (
        "GET",
        "/patients/{patient_id}/appointments",
        "/patients/p-123/appointments?from=2035-06-01T00:00:00Z&limit=20",
        None,
        ACCEPT_JSON,
    ),
    "holds_get": ("GET", "/doctors/{doctor_id}/holds/{hold_id}", f"{ONE_DOCTOR}/holds/{HOLD_ID}", None, ACCEPT_JSON),
    "holds_release": ("DELETE", "/doctors/{doctor_id}/holds/{hold_id}", f"{ONE_DOCTOR}/holds/{HOLD_ID}", None, []),
    "fhir_metadata": ("GET", "/fhir/R4/metadata", "/fhir/R4/metadata", None, ACCEPT_FHIR),
    "fhir_slots": (
        "GET",
        "/fhir/R4/Slot",
        f"/fhir/R4/Slot?schedule=Schedule/{DOCTOR_ID}&start=ge2035-06-04&start=lt2035-06-05&_count=10",
        None,
        ACCEPT_FHIR,
    ),
    "fhir_find": (
        "GET",
        "/fhir/R4/Appointment/{appointment_id}",
        f"/fhir/R4/Appointment/$find?start=2035-06-04T00:00:00Z&end=2035-06-05T00:00:00Z&practitioner=Practitioner/{DOCTOR_ID}",
        None,
        ACCEPT_FHIR,
    ),
    "fhir_hold": (
        "POST",
        "/fhir/R4/Appointment/{operation}",
        "/fhir/R4/Appointment/$hold",
        {
            "resourceType": "Parameters",
            "parameter": [
                {"name": "appointment-reference", "valueReference": {"reference": f"Appointment/{PROPOSED_ID}"}}
            ],
        },
        FHIR_BODY,
    ),
    "fhir_book": (
        "POST",
        "/fhir/R4/Appointment/{operation}",
        "/fhir/R4/Appointment/$book",
        {
            "resourceType": "Parameters",
            "parameter": [
                {"name": "appointment-reference", "valueReference": {"reference": f"Appointment/{PENDING_ID}"}},
                {
                    "name": "patient-reference",
                    "valueReference": {"reference": "Patient/p-123", "display": "Ada Lovelace"},
                },
            ],
        },
        FHIR_BODY,
    ),
}

# What each sample answers when the samples are sent in this order to a fresh seed (tests/api/test_samples_http.py);
# each one sent alone to a fresh seed answers the same. The lifecycle steps are refused: the sample appointment is
# in 2035, too early to check in or mark a no-show, and `complete` needs a check-in. fhir_book converts the hold
# appointments_book_hold converted, so it answers that same appointment (a repeated conversion changes nothing);
# appointments_cancel names the appointment appointments_reschedule cancelled (repeating a cancel answers it).
FRESH_SEED_STATUS = {
    "doctors_create": 201,
    "doctors_list": 200,
    "doctors_get": 200,
    "slots_list": 200,
    "slots_search": 200,
    "fhir_metadata": 200,
    "fhir_slots": 200,
    "fhir_find": 200,
    "holds_create": 201,
    "holds_get": 200,
    "holds_release": 204,
    "appointments_book": 201,
    "appointments_book_hold": 201,
    "fhir_hold": 200,
    "fhir_book": 200,
    "appointments_list": 200,
    "patients_appointments": 200,
    "appointments_get": 200,
    "appointments_check_in": 409,
    "appointments_complete": 409,
    "appointments_no_show": 409,
    "appointments_reschedule": 201,
    "appointments_cancel": 200,
    "doctors_patch": 200,
    "doctors_replace": 200,
    "doctors_delete": 204,
}


def main() -> None:
    routes = {(route.method, route.path): route for route in api_routes(load_template())}
    for name, (method, resource, path, body, headers) in SAMPLES.items():
        route = routes[(method, resource)]
        parameters = route.pattern.match(path.split("?")[0])
        assert parameters is not None, name
        payload = json.dumps(body).encode() if body is not None else b""
        event = build_event(route, method, path, parameters.groupdict(), headers, payload, "127.0.0.1")
        event["requestContext"]["requestId"] = event["requestContext"]["extendedRequestId"] = f"sample-{name}"
        event["requestContext"]["requestTimeEpoch"] = 1796000000000
        (ROOT / "events" / f"{name}.json").write_text(json.dumps(event, indent=2) + "\n")
    (ROOT / "events" / "stream_booking.json").write_text(json.dumps(stream_sample(), indent=2) + "\n")


def stream_sample() -> dict[str, Any]:
    """What the events function receives from the table's stream when an appointment is booked (one record)."""
    from datetime import UTC

    from scheduling.models import Appointment
    from scheduling.store.items import booked_item

    appointment = Appointment.model_validate(
        {
            "id": APPOINTMENT_ID,
            "doctor_id": DOCTOR_ID,
            "location": "123 Main St",
            "start": "2035-06-04T13:30:00Z",
            "end": "2035-06-04T14:00:00Z",
            "status": "booked",
            "timezone": "America/New_York",
            "patient": {"id": "p-123", "name": "Ada Lovelace"},
            "created_at": "2035-06-01T12:00:00Z",
        }
    )
    image = booked_item(appointment)
    return {
        "Records": [
            {
                "eventID": "c4ca4238a0b923820dcc509a6f75849b",
                "eventName": "INSERT",
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": "us-east-1",
                "dynamodb": {
                    "ApproximateCreationDateTime": datetime(2035, 6, 1, 12, tzinfo=UTC).timestamp(),
                    "Keys": {"PK": image["PK"], "SK": image["SK"]},
                    "NewImage": image,
                    "SequenceNumber": "4000000000000000000001",
                    "SizeBytes": 512,
                    "StreamViewType": "NEW_AND_OLD_IMAGES",
                },
                "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/SchedulingTable/stream/2035-06-01",
            }
        ]
    }


if __name__ == "__main__":
    main()
