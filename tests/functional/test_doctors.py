"""DoctorsFunction invoked in-process with the sample events, against moto."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest

from functions.doctors.app import lambda_handler
from scheduling.models import Doctor
from scheduling.store.keys import tag_key_part
from tests.functional.conftest import HOUSE, invoke, stored_items
from tests.support.lambda_events import SAMPLE_DOCTOR_ID, event_with, sample_doctor_id, sample_event

pytestmark = pytest.mark.usefixtures("aws")


def create(body: Any) -> Any:
    return invoke(lambda_handler, event_with("doctors_create", body=body))


def test_create_answers_201_with_location_etag_and_the_stored_doctor() -> None:
    answer = invoke(lambda_handler, sample_event("doctors_create"))

    assert answer.status == 201, answer
    doctor = answer.json()
    assert answer.headers["location"] == f"/doctors/{doctor['id']}"
    assert answer.headers["etag"] == '"1"'
    assert doctor["name"] == "Gregory House"
    assert doctor["schedule"]["monday"][1] == {"start": "13:00", "end": "17:00"}
    assert doctor["created_at"] == doctor["updated_at"]
    assert "version" not in doctor
    pk = f"DOCTOR#{doctor['id']}"
    assert sorted((item["PK"]["S"], item["SK"]["S"]) for item in stored_items()) == sorted(
        [
            (pk, "FENCE"),  # the booking fence every booking checks (docs/design.md)
            (pk, "PROFILE"),
            # the search tags (docs/data-model.md): one per location and specialty
            *[(pk, tag_key_part(f"LOCATION#{place.lower()}")) for place in ["123 Main St", "456 Central St"]],
            *[(pk, tag_key_part(f"SPECIALTY#{word}")) for word in ["diagnostics", "nephrology"]],
        ]
    )


def test_create_applies_defaults() -> None:
    answer = create({"name": "Ada", "locations": ["1 Road"]})

    assert answer.status == 201, answer
    assert answer.json().items() >= {"timezone": "UTC", "slot_minutes": 30, "schedule": {}, "overrides": {}}.items()


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"locations": []}, "locations"),
        ({"locations": ["a", "a"]}, "locations"),
        ({"locations": [" "]}, "locations[0]"),
        ({"locations": [f"{n} St" for n in range(21)]}, "locations"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"slot_minutes": 4}, "slot_minutes"),
        ({"slot_minutes": 241}, "slot_minutes"),
        ({"schedule": {"funday": []}}, "schedule.funday.[key]"),
        ({"schedule": {"monday": [{"start": "9:00", "end": "12:00"}]}}, "schedule.monday[0].start"),
        ({"schedule": {"monday": [{"start": "09:00", "end": "24:30"}]}}, "schedule.monday[0].end"),
        ({"schedule": {"monday": [{"start": "12:00", "end": "09:00"}]}}, "schedule.monday[0].end"),
        ({"schedule": {"monday": [{"start": "09:00", "end": "09:20"}]}}, "schedule.monday[0].end"),
        (
            {"schedule": {"monday": [{"start": "09:00", "end": "12:00"}, {"start": "11:00", "end": "13:00"}]}},
            "schedule.monday[1].start",
        ),
        ({"overrides": {"2026-02-30": []}}, "overrides.2026-02-30.[key]"),
        ({"surprise": True}, "surprise"),
    ],
)
def test_create_rejects_bad_fields_with_their_path_and_stores_nothing(change: dict[str, Any], path: str) -> None:
    answer = create({**HOUSE, **change})

    assert answer.status == 422, answer
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["status"] == 422
    assert problem["title"]
    assert path in [error["path"] for error in problem["errors"]], problem
    assert stored_items() == []


def test_create_lists_every_bad_field() -> None:
    answer = create({"name": "", "locations": [], "slot_minutes": 1})

    assert answer.status == 422
    assert {error["path"] for error in answer.json()["errors"]} == {"name", "locations", "slot_minutes"}


def test_malformed_json_is_400() -> None:
    answer = create("{not json")

    assert answer.status == 400
    assert answer.json()["type"] == "/problems/malformed-json"


def test_a_non_json_media_type_is_415() -> None:
    event = event_with("doctors_create", headers={"Content-Type": "text/plain"})

    assert invoke(lambda_handler, event).status == 415


def test_get_answers_the_doctor_with_its_etag(given_doctor: Callable[..., Doctor]) -> None:
    given_doctor(SAMPLE_DOCTOR_ID)

    answer = invoke(lambda_handler, sample_event("doctors_get"))

    assert answer.status == 200
    assert answer.json()["id"] == SAMPLE_DOCTOR_ID
    assert answer.headers["etag"] == '"1"'


@pytest.mark.parametrize("doctor_id", [SAMPLE_DOCTOR_ID, "not-an-id", "x" * 5000])
def test_unknown_doctor_is_404(doctor_id: str) -> None:
    answer = invoke(lambda_handler, event_with("doctors_get", path_parameters={"doctor_id": doctor_id}))

    assert answer.status == 404
    assert answer.json()["type"] == "/problems/doctor-not-found"


def test_replace_keeps_id_and_created_at_and_bumps_the_etag(given_doctor: Callable[..., Doctor]) -> None:
    original = given_doctor(SAMPLE_DOCTOR_ID)

    answer = invoke(lambda_handler, sample_event("doctors_replace"))

    assert answer.status == 200, answer
    doctor = answer.json()
    assert doctor["slot_minutes"] == 20
    assert doctor["id"] == SAMPLE_DOCTOR_ID
    assert doctor["created_at"] == original.created_at.isoformat().replace("+00:00", "Z")
    assert answer.headers["etag"] == '"2"'


def test_replace_validates_like_create(given_doctor: Callable[..., Doctor]) -> None:
    given_doctor(SAMPLE_DOCTOR_ID)

    answer = invoke(lambda_handler, event_with("doctors_replace", body={"name": "No locations"}))

    assert answer.status == 422
    assert [error["path"] for error in answer.json()["errors"]] == ["locations"]


def test_patch_merges_top_level_fields_and_removes_null_members(given_doctor: Callable[..., Doctor]) -> None:
    given_doctor(SAMPLE_DOCTOR_ID)

    answer = invoke(lambda_handler, sample_event("doctors_patch"))

    assert answer.status == 200, answer
    doctor = answer.json()
    assert doctor["locations"] == ["789 Elm St"]
    assert doctor["name"] == "Gregory House"
    assert set(doctor["schedule"]) == {"monday"}


@pytest.mark.parametrize(
    ("patch", "path"),
    [({"name": None}, "name"), ({"slot_minutes": 500}, "slot_minutes"), ({"id": "mine"}, "id")],
)
def test_patch_that_breaks_a_rule_is_422_and_changes_nothing(
    given_doctor: Callable[..., Doctor], patch: dict[str, Any], path: str
) -> None:
    given_doctor(SAMPLE_DOCTOR_ID)
    before = stored_items()

    answer = invoke(lambda_handler, event_with("doctors_patch", body=patch))

    assert answer.status == 422
    assert [error["path"] for error in answer.json()["errors"]] == [path]
    assert stored_items() == before


def test_delete_answers_204_and_the_doctor_is_gone(given_doctor: Callable[..., Doctor]) -> None:
    deleted = sample_doctor_id("doctors_delete")
    given_doctor(deleted)

    answer = invoke(lambda_handler, sample_event("doctors_delete"))

    assert answer.status == 204
    assert invoke(lambda_handler, event_with("doctors_get", path_parameters={"doctor_id": deleted})).status == 404
    assert stored_items() == []


def test_list_pages_through_every_doctor_in_name_order(given_doctor: Callable[..., Doctor]) -> None:
    names = ["delta", "Alpha", "charlie", "Bravo", "echo"]
    for index, name in enumerate(names):
        given_doctor(f"{index:032x}", name=name)

    seen: list[str] = []
    token: str | None = None
    while True:
        query = {"limit": "2", **({"next_token": token} if token else {})}
        answer = invoke(lambda_handler, event_with("doctors_list", query=query))
        assert answer.status == 200, answer
        page = answer.json()
        assert len(page["items"]) <= 2
        seen += [doctor["name"] for doctor in page["items"]]
        token = page["next_token"]
        if token is None:
            break

    assert seen == ["Alpha", "Bravo", "charlie", "delta", "echo"]


@pytest.mark.parametrize(
    ("query", "path"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"next_token": "abc"}, "next_token"),
    ],
)
def test_list_rejects_bad_parameters(query: dict[str, str], path: str) -> None:
    answer = invoke(lambda_handler, event_with("doctors_list", query=query))

    assert answer.status == 422
    assert [error["path"] for error in answer.json()["errors"]] == [path]


def test_every_sample_event_gets_its_documented_answer(given_doctor: Callable[..., Doctor]) -> None:
    expected = {
        "doctors_create": 201,
        "doctors_list": 200,
        "doctors_get": 200,
        "doctors_replace": 200,
        "doctors_patch": 200,
        "doctors_delete": 204,
    }
    for doctor_id in {sample_doctor_id(name) for name in expected if sample_event(name)["pathParameters"]}:
        given_doctor(doctor_id)  # each doctor a sample names, as `make run` seeds them

    answers = {name: invoke(lambda_handler, sample_event(name)).status for name in expected}

    assert answers == expected


def test_a_body_over_64_kib_is_413_and_stores_nothing() -> None:
    answer = create({**HOUSE, "name": "x" * (65 * 1024)})

    assert answer.status == 413
    assert answer.json()["type"] == "/problems/body-too-large"
    assert stored_items() == []


def test_a_binary_body_that_is_not_utf8_is_400() -> None:
    event = event_with("doctors_create", body=base64.b64encode(b"\xff\xfe{").decode())
    event["isBase64Encoded"] = True

    answer = invoke(lambda_handler, event)

    assert answer.status == 400
    assert stored_items() == []


def test_a_base64_json_body_is_read_like_text() -> None:
    event = event_with("doctors_create", body=base64.b64encode(json.dumps(HOUSE).encode()).decode())
    event["isBase64Encoded"] = True

    assert invoke(lambda_handler, event).status == 201


# Optimistic concurrency


@pytest.mark.parametrize("if_match", ['"1"', '"7", "1"', 'W/"1", "1"', "*"])
def test_a_matching_if_match_lets_the_update_through(given_doctor: Callable[..., Doctor], if_match: str) -> None:
    given_doctor(SAMPLE_DOCTOR_ID)

    answer = invoke(lambda_handler, event_with("doctors_replace", headers={"If-Match": if_match}))

    assert answer.status == 200
    assert answer.headers["etag"] == '"2"'


@pytest.mark.parametrize("event", ["doctors_replace", "doctors_patch", "doctors_delete"])
def test_a_stale_if_match_is_412_and_changes_nothing(given_doctor: Callable[..., Doctor], event: str) -> None:
    given_doctor(sample_doctor_id(event))
    before = stored_items()

    answer = invoke(lambda_handler, event_with(event, headers={"If-Match": '"0"'}))

    assert answer.status == 412
    assert answer.json()["type"] == "/problems/precondition-failed"
    assert stored_items() == before


@pytest.mark.parametrize(
    "if_match",
    ['W/"1"', '"' + "9" * 4301 + '"', '"1', "1", '"\uff11"', '"-1"'],
    ids=["weak (RFC 9110: If-Match compares strongly)", "4301 digits", "unterminated", "unquoted", "wide", "negative"],
)
def test_an_if_match_that_names_no_version_of_ours_is_412_never_500(
    given_doctor: Callable[..., Doctor], if_match: str
) -> None:
    given_doctor(SAMPLE_DOCTOR_ID)
    before = stored_items()

    answer = invoke(lambda_handler, event_with("doctors_patch", headers={"If-Match": if_match}))

    assert answer.status == 412
    assert answer.json()["type"] == "/problems/precondition-failed"
    assert stored_items() == before


def test_the_etag_moves_with_every_change(given_doctor: Callable[..., Doctor]) -> None:
    given_doctor(SAMPLE_DOCTOR_ID)

    first = invoke(lambda_handler, sample_event("doctors_patch")).headers["etag"]
    # a change each time: a patch that changes nothing keeps the ETag (test_client_contract_third.py)
    again = {"locations": ["789 Elm St", "123 Main St"]}
    second = invoke(lambda_handler, event_with("doctors_patch", body=again, headers={"If-Match": first}))
    stale = invoke(lambda_handler, event_with("doctors_patch", body={"name": "Dr. X"}, headers={"If-Match": first}))

    assert (first, second.headers["etag"], stale.status) == ('"2"', '"3"', 412)
