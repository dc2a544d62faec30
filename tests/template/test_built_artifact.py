"""The built artifact serves a booking flow: `sam build`'s functions and layer, run by CPython 3.13 with only
the artifact and the runtime's SDK importable, against moto's DynamoDB server.

The layer is built as its x86_64 twin on x86_64 machines (tests/template/conftest.py). Each function runs in
its own interpreter, as on Lambda, from tests/template/artifact_driver.py; a dependency or a file the package
leaves out fails here, even where the development virtualenv has it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from local.template import create_tables, function_environment, load_template, table_names
from tests.support.lambda_events import SAMPLE_DOCTOR_ID, event_with

PYTHON313 = os.environ.get("PYTHON313", sys.executable if sys.version_info[:2] == (3, 13) else "")
DRIVER = Path(__file__).with_name("artifact_driver.py")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not PYTHON313, reason="needs CPython 3.13 (make test sets PYTHON313)"),
]


@pytest.fixture(scope="module")
def dynamodb() -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")
    create_tables(client, load_template(), table_names(load_template()))
    yield endpoint
    server.stop()


def invoke(artifact: Path, endpoint: str, function: str, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    template = load_template()
    environment = {
        "PATH": os.environ.get("PATH", ""),
        **function_environment(template, function, table_names(template)),
        "DYNAMODB_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "artifact",
        "AWS_SECRET_ACCESS_KEY": "artifact",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
    }
    task = artifact / "build" / function
    path = [str(task), str(artifact / "build" / "SchedulingLayer" / "python"), str(artifact / "runtime")]
    result = subprocess.run(
        [PYTHON313, "-S", "-E", "-B", str(DRIVER)],
        input=json.dumps({"path": path, "events": events}),
        cwd=task,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answers: list[dict[str, Any]] = json.loads(result.stdout.strip().splitlines()[-1])
    return answers


def body(answer: dict[str, Any]) -> Any:
    return json.loads(answer["body"])


def test_the_built_functions_and_layer_serve_a_booking_flow(artifact: Path, dynamodb: str) -> None:
    [created] = invoke(artifact, dynamodb, "DoctorsFunction", [event_with("doctors_create")])
    assert created["statusCode"] == 201, created
    doctor = body(created)
    on_doctor = {"doctor_id": doctor["id"]}

    read, listed = invoke(
        artifact,
        dynamodb,
        "DoctorsFunction",
        [event_with("doctors_get", path_parameters=on_doctor), event_with("doctors_list")],
    )
    [slots] = invoke(artifact, dynamodb, "AvailabilityFunction", [event_with("slots_list", path_parameters=on_doctor)])
    assert (read["statusCode"], listed["statusCode"], slots["statusCode"]) == (200, 200, 200), (read, listed, slots)
    assert body(read)["id"] == doctor["id"] != SAMPLE_DOCTOR_ID
    first_free = body(slots)["items"][0]["start"]

    [booked] = invoke(
        artifact,
        dynamodb,
        "AppointmentsFunction",
        [
            event_with(
                "appointments_book",
                path_parameters=on_doctor,
                body={"start": first_free, "location": doctor["locations"][0], "patient": {"id": "p-1"}},
            )
        ],
    )
    assert booked["statusCode"] == 201, booked
    on_appointment = {**on_doctor, "appointment_id": body(booked)["id"]}
    again, appointments, cancelled = invoke(
        artifact,
        dynamodb,
        "AppointmentsFunction",
        [
            event_with("appointments_get", path_parameters=on_appointment),
            event_with("appointments_list", path_parameters=on_doctor),
            event_with("appointments_cancel", path_parameters=on_appointment, body={}),
        ],
    )
    assert [again["statusCode"], appointments["statusCode"], cancelled["statusCode"]] == [200, 200, 200], (
        again,
        appointments,
        cancelled,
    )


def test_the_built_fhir_function_finds_holds_and_books(artifact: Path, dynamodb: str) -> None:
    """fhir.resources (R4B only) ships in the function's own package and parses the operations' bodies."""
    [created] = invoke(artifact, dynamodb, "DoctorsFunction", [event_with("doctors_create")])
    doctor_id = body(created)["id"]
    find = event_with("fhir_find")
    find["multiValueQueryStringParameters"]["practitioner"] = [f"Practitioner/{doctor_id}"]
    metadata, found = invoke(artifact, dynamodb, "FhirFunction", [event_with("fhir_metadata"), find])
    assert (metadata["statusCode"], found["statusCode"]) == (200, 200), (metadata, found)
    proposed = body(found)["entry"][0]["resource"]["id"]
    reference = {"name": "appointment-reference", "valueReference": {"reference": f"Appointment/{proposed}"}}

    [held] = invoke(
        artifact,
        dynamodb,
        "FhirFunction",
        [event_with("fhir_hold", body={"resourceType": "Parameters", "parameter": [reference]})],
    )

    assert held["statusCode"] == 200, held
    assert body(held)["entry"][0]["resource"]["status"] == "pending"
    assert not (artifact / "build" / "FhirFunction" / "fhir" / "resources" / "R5").exists()
    assert (artifact / "build" / "FhirFunction" / "fhir" / "resources" / "R4B" / "__pycache__").is_dir()
