"""The access audit (issue #20, item 3): one structured line per request that reads or changes a patient's data,
naming principal, acting user, action, doctor and appointment, with the patient only as a keyed hash."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from functions.appointments.app import lambda_handler as appointments
from functions.patients.app import lambda_handler as patients
from scheduling import audit
from scheduling.models import Doctor
from tests.functional.conftest import invoke
from tests.support.lambda_events import SAMPLE_DOCTOR_ID, TEST_PRINCIPAL, event_with

pytestmark = pytest.mark.usefixtures("aws")

PATIENT = "mrn-0042-audit"
SLOT = "2035-06-04T09:30:00-04:00"


def expected_hash(patient_id: str) -> str:
    return hmac.new(audit.DEV_HASH_KEY, patient_id.encode(), hashlib.sha256).hexdigest()


@pytest.fixture
def audit_group(monkeypatch: pytest.MonkeyPatch) -> Iterator[str | None]:
    """No audit group (the local default): lines go to the function's log. Caches reset around the test."""
    audit._settings.cache_clear()
    audit._sink.cache_clear()
    yield None
    audit._settings.cache_clear()
    audit._sink.cache_clear()


def audit_lines(output: str) -> list[dict[str, Any]]:
    return [line for text in output.splitlines() if text.startswith("{") and (line := json.loads(text)).get("audit")]


def book(headers: dict[str, str] | None = None) -> dict[str, Any]:
    body = {"start": SLOT, "location": "123 Main St", "patient": {"id": PATIENT, "name": "Ada Lovelace"}}
    answer = invoke(appointments, event_with("appointments_book", body=body, headers=headers))
    assert answer.status == 201, answer
    return dict(answer.json())


def test_a_booking_and_a_read_write_one_line_each_with_the_patient_hashed(
    doctor: Doctor, audit_group: None, logs: io.StringIO
) -> None:
    booked = book({"X-Acting-User": "nurse-7"})
    path = {"doctor_id": SAMPLE_DOCTOR_ID, "appointment_id": booked["id"]}
    invoke(appointments, event_with("appointments_get", path_parameters=path))

    output = logs.getvalue()
    lines = audit_lines(output)
    assert [(line["action"], line["principal"], line.get("acting_user")) for line in lines] == [
        ("appointment.book", TEST_PRINCIPAL, "nurse-7"),
        ("appointment.read", TEST_PRINCIPAL, None),
    ]
    for line in lines:
        assert (line["doctor_id"], line["appointment_id"]) == (SAMPLE_DOCTOR_ID, booked["id"])
        assert line["patient"] == expected_hash(PATIENT)
    assert PATIENT not in output  # never in clear, in no line of the function's log


def test_a_patients_calendar_read_is_audited_by_hash(doctor: Doctor, audit_group: None, logs: io.StringIO) -> None:
    book()
    logs.seek(0)
    logs.truncate()

    answer = invoke(patients, event_with("patients_appointments", path_parameters={"patient_id": PATIENT}))

    assert answer.status == 200, answer
    output = logs.getvalue()
    [line] = audit_lines(output)
    assert (line["action"], line["patient"]) == ("patient.appointments.list", expected_hash(PATIENT))
    assert PATIENT not in output


def test_with_an_audit_group_the_lines_land_in_it_and_not_in_the_function_log(
    doctor: Doctor, monkeypatch: pytest.MonkeyPatch, logs: io.StringIO
) -> None:
    cloudwatch = boto3.client("logs")
    cloudwatch.create_log_group(logGroupName="scheduling-audit")
    monkeypatch.setenv("AUDIT_LOG_GROUP", "scheduling-audit")
    audit._settings.cache_clear()
    audit._sink.cache_clear()
    try:
        booked = book()
    finally:
        audit._settings.cache_clear()
        audit._sink.cache_clear()

    events = cloudwatch.filter_log_events(logGroupName="scheduling-audit")["events"]
    [line] = [json.loads(event["message"]) for event in events]
    assert (line["action"], line["appointment_id"], line["patient"]) == (
        "appointment.book",
        booked["id"],
        expected_hash(PATIENT),
    )
    assert audit_lines(logs.getvalue()) == []
