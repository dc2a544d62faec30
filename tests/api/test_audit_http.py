"""Who did it, over real HTTP (issue #20): an appointment's history names who booked and who cancelled it, for an
unsigned request (the documented local principal) and for a SigV4-signed one (an IAM user of the runner's embedded
moto); a wrong signature is refused; after a booking with a patient's name, only the appointment holds the name."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from local.template import load_template, table_names
from tests.api.conftest import ALWAYS_OPEN, Api, created_doctor, own_runner

LOCAL_PRINCIPAL = "arn:aws:iam::123456789012:user/local-developer"


def moto(api: Api, service: str) -> Any:
    assert api.dynamodb_url, "the runner did not say where its embedded moto is"
    session = boto3.Session(aws_access_key_id="local", aws_secret_access_key="local", region_name="us-east-1")
    return session.client(service, endpoint_url=api.dynamodb_url)  # type: ignore[call-overload]


@pytest.fixture(scope="module")
def front_desk(local_api: Api) -> tuple[str, Credentials]:
    """An IAM user with an access key, made in the runner's embedded moto as one would on AWS."""
    iam = moto(local_api, "iam")
    name = f"front-desk-{uuid.uuid4().hex[:8]}"
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return arn, Credentials(key["AccessKeyId"], key["SecretAccessKey"])


def signed(
    api: Api, credentials: Credentials, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> requests.Response:
    """A request signed as `botocore` signs for API Gateway (service `execute-api`)."""
    data = json.dumps(body).encode() if body is not None else b""
    request = AWSRequest(
        method=method,
        url=f"{api.base_url}{path}",
        data=data,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    SigV4Auth(credentials, "execute-api", "us-east-1").add_auth(request)
    return api.session.request(method, str(request.url), data=data, headers=dict(request.headers.items()), timeout=30)


DOCTOR = {**ALWAYS_OPEN, "name": "Audit Test", "locations": ["Main"]}


def audited_doctor(api: Api) -> str:
    created = created_doctor(api, DOCTOR)
    assert created["created_by"] == LOCAL_PRINCIPAL
    return str(created["id"])


def slot(days: int, at: int) -> str:
    day = (datetime.now(UTC) + timedelta(days=days)).date()
    return f"{day.isoformat()}T{at:02d}:00:00Z"


def who(appointment: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    return [(entry["status"], entry["by"], entry.get("on_behalf_of")) for entry in appointment["history"]]


def test_unsigned_requests_are_the_local_developer_in_the_history(api: Api) -> None:
    doctor = audited_doctor(api)
    booked = api.post(f"/doctors/{doctor}/appointments", json={"start": slot(3, 9), "location": "Main"})
    assert booked.status_code == 201, booked.text
    appointment_id = booked.json()["id"]

    cancelled = api.post(f"/doctors/{doctor}/appointments/{appointment_id}/cancel", headers={"X-Acting-User": "desk-7"})

    assert cancelled.status_code == 200, cancelled.text
    read = api.get(f"/doctors/{doctor}/appointments/{appointment_id}").json()
    assert who(read) == [("booked", LOCAL_PRINCIPAL, None), ("cancelled", LOCAL_PRINCIPAL, "desk-7")]


def test_a_sigv4_signed_request_is_the_iam_user_that_signed_it(api: Api, front_desk: tuple[str, Credentials]) -> None:
    arn, credentials = front_desk
    doctor = audited_doctor(api)
    path = f"/doctors/{doctor}/appointments"
    booked = signed(
        api, credentials, "POST", path, {"start": slot(3, 10), "location": "Main"}, {"X-Acting-User": "rn-4"}
    )
    assert booked.status_code == 201, booked.text
    appointment_id = booked.json()["id"]
    unsigned_cancel = api.post(f"{path}/{appointment_id}/cancel")
    other = api.post(path, json={"start": slot(3, 11), "location": "Main"}).json()["id"]

    signed_cancel = signed(api, credentials, "POST", f"{path}/{other}/cancel", {"reason": "called"})

    assert unsigned_cancel.status_code == signed_cancel.status_code == 200, (unsigned_cancel.text, signed_cancel.text)
    assert who(api.get(f"{path}/{appointment_id}").json()) == [
        ("booked", arn, "rn-4"),
        ("cancelled", LOCAL_PRINCIPAL, None),
    ]
    assert who(api.get(f"{path}/{other}").json()) == [("booked", LOCAL_PRINCIPAL, None), ("cancelled", arn, None)]


@pytest.mark.parametrize("wrong", ["secret", "key"])
def test_a_wrong_signature_or_an_unknown_key_is_403_and_changes_nothing(
    api: Api, front_desk: tuple[str, Credentials], wrong: str
) -> None:
    _, credentials = front_desk
    if wrong == "secret":
        forged = Credentials(credentials.access_key, "not-the-secret-" + "x" * 25)
    else:
        forged = Credentials("AKIAUNKNOWN000000000", credentials.secret_key)
    doctor = audited_doctor(api)
    before = api.stored_items(doctor)

    answer = signed(api, forged, "POST", f"/doctors/{doctor}/appointments", {"start": slot(3, 12), "location": "Main"})

    assert answer.status_code == 403, answer.text
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert api.stored_items(doctor) == before


def test_after_a_booking_with_a_name_only_the_appointment_holds_the_name(api: Api) -> None:
    name = f"Zed Quincy-{uuid.uuid4().hex[:10]}"  # in no other test's data
    doctor = audited_doctor(api)
    booked = api.post(
        f"/doctors/{doctor}/appointments",
        json={"start": slot(4, 9), "location": "Main", "patient": {"id": f"p-{uuid.uuid4().hex[:8]}", "name": name}},
        headers={"Idempotency-Key": f"audit-{uuid.uuid4()}"},
    )
    assert booked.status_code == 201, booked.text

    dynamodb = moto(api, "dynamodb")
    holding: list[tuple[str, dict[str, Any]]] = []
    for logical, table in table_names(load_template()).items():
        for page in dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
            holding += [(logical, item) for item in page["Items"] if name in json.dumps(item)]

    assert sorted((table, item["kind"]["S"], item["appointment_id"]["S"]) for table, item in holding) == [
        ("SchedulingTable", "appointment", booked.json()["id"]),
        ("SchedulingTable", "patient-appointment", booked.json()["id"]),  # its copy in the patient's calendar
    ]


def test_the_runners_access_log_names_route_templates_never_patient_ids(tmp_path: Path) -> None:
    patient = f"p-{uuid.uuid4().hex[:12]}"
    with own_runner(tmp_path, environment={"LOCAL_ACCESS_LOG": "true"}) as runner:
        calendar = runner.api.get(f"/patients/{patient}/appointments", params={"status": "booked"})
        fhir = runner.api.get("/fhir/R4/Appointment", params={"patient": f"Patient/{patient}"})
        missing = runner.api.get(f"/patients/{patient}/nothing-here")  # API Gateway: 403 MISSING_AUTHENTICATION_TOKEN
        assert (calendar.status_code, fhir.status_code, missing.status_code) == (200, 200, 403)
        log = runner.log.read_text()

    assert '"GET /patients/{patient_id}/appointments" 200' in log
    assert '"GET /fhir/R4/Appointment" 200' in log
    assert '"GET (no route)" 403' in log
    assert patient not in log
