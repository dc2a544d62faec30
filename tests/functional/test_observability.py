"""Logs and metrics: structured, correlated, and free of patient data."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import pytest

from functions.appointments.app import lambda_handler
from scheduling.models import Doctor
from tests.functional.conftest import invoke
from tests.support.lambda_events import SAMPLE_DOCTOR_ID, event_with

pytestmark = pytest.mark.usefixtures("aws")

PATIENT = {"id": "patient-7f3a91", "name": "Zebedee Quillfeather"}
NOTE = "allergic to penicillin"


def output_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_booking_logs_ids_and_metrics_but_never_patient_data(
    given_doctor: Callable[..., Doctor], capsys: pytest.CaptureFixture[str], logs: io.StringIO
) -> None:
    given_doctor(SAMPLE_DOCTOR_ID)
    booking = {"start": "2035-06-04T09:30:00-04:00", "location": "123 Main St", "patient": PATIENT}
    capsys.readouterr()

    booked = invoke(lambda_handler, event_with("appointments_book", body=booking))
    conflict = invoke(lambda_handler, event_with("appointments_book", body=booking))
    invalid = invoke(lambda_handler, event_with("appointments_book", body={**booking, "note": NOTE}))
    captured = capsys.readouterr()

    assert (booked.status, conflict.status, invalid.status) == (201, 409, 422)
    everything = captured.out + captured.err + logs.getvalue()
    for secret in (PATIENT["id"], PATIENT["name"], "Zebedee", NOTE):
        assert secret not in everything
    [log] = [line for line in output_lines(logs.getvalue()) if line.get("message") == "appointment booked"]
    assert log["appointment_id"] == booked.json()["id"]
    assert log["correlation_id"] == "sample-appointments_book"  # the API Gateway request id
    assert "cold_start" in log
    metric_names = {
        name
        for line in output_lines(captured.out)
        for name in line
        if name in {"AppointmentsBooked", "BookingConflicts"}
    }
    assert metric_names == {"AppointmentsBooked", "BookingConflicts"}


def test_an_unexpected_error_is_logged_without_its_message(
    given_doctor: Callable[..., Doctor],
    capsys: pytest.CaptureFixture[str],
    logs: io.StringIO,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    given_doctor(SAMPLE_DOCTOR_ID)

    def explode(*_: Any, **__: Any) -> None:
        raise RuntimeError(f"bug while handling {PATIENT['name']}")

    monkeypatch.setattr("scheduling.service.book", explode)
    capsys.readouterr()

    answer = invoke(lambda_handler, event_with("appointments_book"))
    captured = capsys.readouterr()

    assert answer.status == 500
    assert answer.json()["type"] == "/problems/internal-error"
    assert "Traceback" not in answer.text
    assert PATIENT["name"] not in captured.out + captured.err + logs.getvalue()
    [log] = [line for line in output_lines(logs.getvalue()) if line.get("message") == "unhandled error"]
    assert log["error_type"] == "RuntimeError"
    assert any("explode" in frame for frame in log["where"])
