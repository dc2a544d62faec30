"""Contract mismatches an outside tester found (third round): an unreadable `$find` time named as such on both
edges, empty and `null` bodies, merge patches that change nothing, an empty `next_token`, PATCH's media types."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from functions.appointments.app import lambda_handler as appointments_handler
from functions.availability.app import lambda_handler as availability_handler
from functions.doctors.app import lambda_handler as doctors_handler
from functions.fhir.app import lambda_handler as fhir_handler
from functions.patients.app import lambda_handler as patients_handler
from scheduling.models import Doctor
from tests.functional.conftest import invoke, stored_items
from tests.support.clock import Clock
from tests.support.lambda_events import SAMPLE_DOCTOR_ID, Answer, event_with

T0 = datetime(2035, 6, 1, 12, tzinfo=UTC)
pytestmark = [pytest.mark.usefixtures("aws"), pytest.mark.clock(T0)]
PRACTITIONER = f"Practitioner/{SAMPLE_DOCTOR_ID}"
UNREADABLE = ["xx", "1796634000", "9999-01-01T00:00:00Z"]


def post_find(parameters: list[dict[str, Any]]) -> Answer:
    body = {"resourceType": "Parameters", "parameter": parameters}
    return invoke(fhir_handler, event_with("fhir_hold", path_parameters={"operation": "$find"}, body=body))


def get_find(query: dict[str, str]) -> Answer:
    return invoke(fhir_handler, event_with("fhir_find", query=query))


def the_issue(answer: Answer) -> dict[str, Any]:
    assert answer.headers["content-type"] == "application/fhir+json", answer
    [issue] = answer.json()["issue"]
    return dict(issue)


# 1. POST $find: a dateTime fhir.resources refuses is one sentence naming the parameter


@pytest.mark.parametrize("text", ["xx", "1796634000"])
def test_post_find_with_an_unreadable_datetime_names_the_parameter(doctor: Doctor, clock: Clock, text: str) -> None:
    answer = post_find([{"name": "start", "valueDateTime": text}])

    assert answer.status == 400, answer
    issue = the_issue(answer)
    assert issue["code"] == "invalid"
    assert issue["diagnostics"].startswith("Parameter 'start' is not a valid dateTime: "), issue
    assert "Value error" not in issue["diagnostics"]
    assert issue["diagnostics"].endswith(".")


@pytest.mark.parametrize("text", UNREADABLE)
@pytest.mark.parametrize("name", ["start", "end"])
def test_post_find_with_an_unreadable_time_of_another_type_is_400_naming_it(
    doctor: Doctor, clock: Clock, text: str, name: str
) -> None:
    """A value fhir.resources accepts (a string, an integer) that is no time we read: 400, not 422."""
    times = {"start": "2035-06-04T00:00:00Z", "end": "2035-06-05T00:00:00Z", name: text}
    answer = post_find(
        [
            {"name": "practitioner", "valueString": PRACTITIONER},
            {"name": "start", "valueString": times["start"]},
            {"name": "end", "valueString": times["end"]},
        ]
    )

    assert answer.status == 400, answer
    issue = the_issue(answer)
    assert issue["code"] == "invalid"
    assert issue["expression"] == [name]
    assert issue["diagnostics"].startswith(f"Parameter '{name}'"), issue


# 2. GET $find: an unreadable start is reported before a missing end


@pytest.mark.parametrize("with_end", [False, True])
@pytest.mark.parametrize("text", UNREADABLE)
def test_get_find_reports_an_unreadable_start_before_a_missing_end(
    doctor: Doctor, clock: Clock, text: str, with_end: bool
) -> None:
    query = {"start": text, "practitioner": PRACTITIONER} | ({"end": "2035-06-05T00:00:00Z"} if with_end else {})

    answer = get_find(query)

    assert answer.status == 400, answer
    issue = the_issue(answer)
    assert issue["code"] == "invalid"
    assert issue["expression"] == ["start"]
    assert issue["diagnostics"].startswith("Parameter 'start'"), issue
    assert "needs" not in issue["diagnostics"]


def test_get_find_without_start_or_end_still_says_what_it_needs(doctor: Doctor, clock: Clock) -> None:
    answer = get_find({"start": "2035-06-04T00:00:00Z", "practitioner": PRACTITIONER})

    assert answer.status == 400
    issue = the_issue(answer)
    assert (issue["code"], issue["diagnostics"]) == ("required", "$find needs end (dateTime).")


# 3. an empty body is no JSON (400, as malformed JSON); a JSON null is no object (422, as an array)


@pytest.mark.parametrize("content_type", ["application/json", None])
def test_an_empty_body_is_400_malformed_json_saying_it_is_empty(
    doctor: Doctor, clock: Clock, content_type: str | None
) -> None:
    before = stored_items()
    event = event_with("doctors_create", body="")
    if content_type is None:
        event["headers"].pop("Content-Type")
        event["multiValueHeaders"] = {k: [v] for k, v in event["headers"].items()}

    answer = invoke(doctors_handler, event)

    assert answer.status == 400, answer
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["type"] == "/problems/malformed-json"
    assert problem["detail"] == "The request body is empty; send a JSON object."
    assert stored_items() == before


@pytest.mark.parametrize(
    ("sample", "content_type"),
    [
        ("doctors_create", "application/json"),
        ("doctors_patch", "application/merge-patch+json"),
        ("doctors_patch", "application/json"),
    ],
)
def test_a_json_null_body_is_said_to_be_no_object(doctor: Doctor, clock: Clock, sample: str, content_type: str) -> None:
    before = stored_items()

    answer = invoke(doctors_handler, event_with(sample, body="null", headers={"Content-Type": content_type}))

    assert answer.status == 422, answer
    assert answer.json()["errors"] == [{"path": "body", "message": "must be a JSON object, not null"}]
    assert stored_items() == before


# 4. a merge patch whose result is the current doctor writes nothing and keeps the ETag


def doctor_call(sample: str, body: Any = ..., headers: dict[str, str] | None = None) -> Answer:
    return invoke(doctors_handler, event_with(sample, body=body, headers=headers))


@pytest.mark.parametrize(
    "patch",
    [
        {"id": None},
        {"created_at": None},
        {"bogus": None},
        {"rules": {"bogus": None}},
        {},
        "restated",
    ],
    ids=["id-null", "created_at-null", "unknown-null", "rules-unknown-null", "empty", "restated"],
)
def test_a_merge_patch_that_changes_nothing_writes_nothing(doctor: Doctor, clock: Clock, patch: Any) -> None:
    if patch == "restated":
        patch = {"name": doctor.name, "slot_minutes": doctor.slot_minutes, "locations": doctor.locations}
    read = doctor_call("doctors_get")
    before = stored_items()

    answer = doctor_call("doctors_patch", body=patch)

    assert answer.status == 200, answer
    assert answer.headers["etag"] == read.headers["etag"]
    assert answer.json() == read.json()
    assert stored_items() == before  # no version bump, no fence moved, nothing else written
    # another client that read the doctor before still writes with its If-Match
    other = doctor_call("doctors_patch", body={"name": "Dr. Other"}, headers={"If-Match": read.headers["etag"]})
    assert other.status == 200, other
    assert other.headers["etag"] == f'"{doctor.version + 1}"'


def test_a_merge_patch_that_changes_something_still_bumps_the_etag(doctor: Doctor, clock: Clock) -> None:
    read = doctor_call("doctors_get")

    answer = doctor_call("doctors_patch", body={"rules": {"horizon_days": 61}})

    assert answer.status == 200, answer
    assert answer.headers["etag"] != read.headers["etag"]
    assert answer.json()["rules"]["horizon_days"] == 61


# 5. an empty next_token is refused as an empty from/to is, never read as absent (page 1)


@pytest.mark.parametrize(
    ("handler", "sample", "query"),
    [
        (doctors_handler, "doctors_list", {}),
        (availability_handler, "slots_search", {"location": "123 Main St"}),
        (appointments_handler, "appointments_list", {}),
        (appointments_handler, "waitlist", {}),
        (patients_handler, "patients_appointments", {}),
    ],
)
def test_an_empty_next_token_is_refused_naming_it_on_every_route_that_takes_one(
    doctor: Doctor, clock: Clock, handler: Any, sample: str, query: dict[str, str]
) -> None:
    if sample == "waitlist":
        event = event_with("appointments_list", query={**query, "next_token": ""})
        event["resource"] = "/doctors/{doctor_id}/waitlist"
        event["path"] = f"/doctors/{SAMPLE_DOCTOR_ID}/waitlist"
    else:
        event = event_with(sample, query={**query, "next_token": ""})

    answer = invoke(handler, event)

    assert answer.status == 422, answer
    assert answer.json()["errors"] == [{"path": "next_token", "message": "must not be empty"}]


def test_next_token_is_still_ignored_where_it_is_not_taken(doctor: Doctor, clock: Clock) -> None:
    plain = invoke(availability_handler, event_with("slots_list"))

    answer = invoke(availability_handler, event_with("slots_list", query={"from": "2035-06-04", "next_token": ""}))

    assert answer.status == 200, answer
    assert plain.status == 200


# 6. a 415 on PATCH names the media types PATCH takes


def test_a_patch_in_another_media_type_is_told_which_types_patch_takes(doctor: Doctor, clock: Clock) -> None:
    before = stored_items()

    answer = doctor_call("doctors_patch", body='{"name": "Dr. X"}', headers={"Content-Type": "text/plain"})

    assert answer.status == 415, answer
    assert answer.json()["type"] == "/problems/unsupported-media-type"
    assert (
        answer.json()["detail"] == "Send the body as application/merge-patch+json or application/json, not text/plain."
    )
    assert stored_items() == before


def test_a_post_in_another_media_type_is_still_told_json(doctor: Doctor, clock: Clock) -> None:
    answer = invoke(doctors_handler, event_with("doctors_create", headers={"Content-Type": "text/plain"}))

    assert answer.status == 415, answer
    assert answer.json()["detail"] == "Send the body as application/json, not text/plain."
