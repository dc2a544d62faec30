"""What an outside client reads in our answers, both edges: messages that read as sentences and name what the
client sent, one rule for empty and repeated query parameters, `If-Match` lists, identical reschedules racing."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from functions.appointments.app import lambda_handler as appointments_handler
from functions.availability.app import lambda_handler as availability_handler
from functions.doctors.app import lambda_handler as doctors_handler
from functions.fhir.app import lambda_handler as fhir_handler
from functions.patients.app import lambda_handler as patients_handler
from scheduling.models import Doctor
from scheduling.store import SchedulingStore
from tests.functional.conftest import invoke, stored_items
from tests.support.clock import Clock
from tests.support.lambda_events import SAMPLE_DOCTOR_ID, Answer, event_with

T0 = datetime(2035, 6, 1, 12, tzinfo=UTC)
pytestmark = [pytest.mark.usefixtures("aws"), pytest.mark.clock(T0)]

# A sentence: starts with a capital or a quote, ends with a full stop, and never runs one sentence's end into a
# field message ("... booked. is not ...", "... 'to' the window ...").
SENTENCE = re.compile(r"^[A-Z'$].*[.)]$")
RUN_ON = re.compile(r"\. [a-z]|' the |' Input |' Field ")


def book(body: dict[str, Any]) -> Answer:
    return invoke(appointments_handler, event_with("appointments_book", body=body))


def on_appointment(name: str, appointment_id: str, body: Any = ..., headers: dict[str, str] | None = None) -> Answer:
    path = {"doctor_id": SAMPLE_DOCTOR_ID, "appointment_id": appointment_id}
    return invoke(appointments_handler, event_with(name, path_parameters=path, body=body, headers=headers))


def fhir_book(start_stamp: str) -> Answer:
    reference = f"Appointment/p.{SAMPLE_DOCTOR_ID}.{start_stamp}.948595bd0490"
    body = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "appointment-reference", "valueReference": {"reference": reference}},
            {"name": "patient-reference", "valueReference": {"reference": "Patient/p-1"}},
        ],
    }
    return invoke(fhir_handler, event_with("fhir_book", body=body))


def diagnostics(answer: Answer) -> list[str]:
    assert answer.headers["content-type"] == "application/fhir+json", answer
    return [issue["diagnostics"] for issue in answer.json()["issue"]]


def assert_sentences(texts: list[str]) -> None:
    for text in texts:
        assert SENTENCE.match(text), text
        assert not RUN_ON.search(text), text


# 1. FHIR business-rule diagnostics


def test_fhir_business_rule_diagnostics_read_as_sentences(doctor: Doctor, clock: Clock) -> None:
    off_grid = fhir_book("20350604T131000Z")  # 09:10 New York: no published slot starts there
    reversed_find = invoke(
        fhir_handler,
        event_with(
            "fhir_find",
            query={"practitioner": f"Practitioner/{SAMPLE_DOCTOR_ID}", "start": "2035-06-05", "end": "2035-06-04"},
        ),
    )
    too_long = invoke(
        fhir_handler,
        event_with(
            "fhir_find",
            query={"practitioner": f"Practitioner/{SAMPLE_DOCTOR_ID}", "start": "2035-06-04", "end": "2035-08-04"},
        ),
    )

    assert off_grid.status == 422
    [text] = diagnostics(off_grid)
    assert text == "This appointment cannot be booked: 'start' is not the start of a published slot of this doctor."
    assert_sentences(diagnostics(reversed_find) + diagnostics(too_long))
    assert "'end' must be later than" in diagnostics(reversed_find)[0]
    assert "'end' must be at most 31 days after" in diagnostics(too_long)[0]
