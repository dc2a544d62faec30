"""Hostile and sloppy input at the HTTP edge, handlers in-process against moto: always a 4xx, never a 5xx.

Deep JSON on every body route; times at both ends of the supported range on every time parameter; epoch
numbers, string-typed integers and host-specific zone names; and one time format (`Z`) in every answer.
Rejected writes leave the table as it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from functions.appointments.app import lambda_handler as appointments_handler
from functions.availability.app import lambda_handler as slots_handler
from functions.doctors.app import lambda_handler as doctors_handler
from scheduling.models import Doctor
from tests.functional.conftest import HOUSE, TABLES, invoke, stored_items
from tests.support.lambda_events import SAMPLE_DOCTOR_ID, Answer, event_with

pytestmark = pytest.mark.usefixtures("aws")

SLOT = "2035-06-04T09:30:00-04:00"  # a Monday: the sample doctor opens 09:00-12:00 and 13:00-17:00
OTHER_SLOT = "2035-06-04T10:30:00-04:00"
SLOT_AS_EPOCH = 2064576600  # the same instant as SLOT, in seconds since 1970
HANDLERS = {"doctors": doctors_handler, "appointments": appointments_handler, "slots": slots_handler}
BODY_ROUTES = [
    "doctors_create",
    "doctors_replace",
    "doctors_patch",
    "appointments_book",
    "appointments_cancel",
    "appointments_reschedule",
]
# Out of range at the low end and at the high end, as instants with offsets and as plain dates.
TOO_EARLY = ["0001-01-01T00:00:00+01:00", "0001-01-01T00:00:00Z", "1969-12-31T23:59:59Z"]
TOO_LATE = ["9999-12-31T23:30:00-05:00", "9999-12-31T23:59:59Z", "9000-01-01T00:00:00Z", "8999-12-31T23:30:00-05:00"]
OUT_OF_RANGE = TOO_EARLY + TOO_LATE
OUT_OF_RANGE_DATES = ["0001-01-01", "1969-12-31", "9000-01-01", "9999-12-31"]
NOT_RFC3339 = [
    SLOT_AS_EPOCH,
    str(SLOT_AS_EPOCH),
    float(SLOT_AS_EPOCH),
    1796634000,
    "1796634000",
    1796634000.0,
    True,
    "2035-06-04",  # a date is not a time
    "2035-06-04T09:30:00",  # no offset
    "2035-06-04T09:30-04:00",  # no seconds
    "20350604T133000Z",  # ISO 8601 basic format
]
NOT_JSON_INTEGERS = ["30", 30.0, True, "thirty"]
NOT_TIME_ZONES = [
    "localtime",
    "Factory",
    "posixrules",
    "posix/Europe/London",
    "right/UTC",
    "/usr/share/zoneinfo/UTC",
    "europe/london",
    "Europe/London ",
]
RFC3339_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def send(name: str, *, doctor_id: str = SAMPLE_DOCTOR_ID, appointment_id: str | None = None, **parts: Any) -> Answer:
    """Send the sample event `name` (e.g. `appointments_book`) with some parts replaced."""
    path = {"doctor_id": doctor_id} | ({"appointment_id": appointment_id} if appointment_id else {})
    handler = HANDLERS[name.split("_", maxsplit=1)[0]]
    return invoke(handler, event_with(name, path_parameters=path, **parts))


def problem_paths(answer: Answer) -> list[str]:
    assert answer.status == 422, answer
    assert answer.headers["content-type"] == "application/problem+json"
    return [error["path"] for error in answer.json()["errors"]]


def message_for(answer: Answer, path: str) -> str:
    [message] = [error["message"] for error in answer.json()["errors"] if error["path"] == path]
    return str(message)


def appointments_stored() -> list[str]:
    return [item["SK"]["S"] for item in stored_items() if item["SK"]["S"].startswith(("SLOT#", "CANCELLED#"))]


@pytest.fixture
def appointment_id(doctor: Doctor) -> str:
    booked = send("appointments_book", body={"start": SLOT, "location": "123 Main St"})
    assert booked.status == 201, booked
    return str(booked.json()["id"])


@pytest.fixture
def unchanged_table(appointment_id: str) -> Iterator[None]:
    """The table holds the sample doctor and one booking; the test's request must not change a byte of it."""
    before = stored_items()
    yield
    assert stored_items() == before


# Deep JSON


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


DEEP_BODIES = {
    "arrays": nested(1000),
    "objects": '{"a":' * 1000 + "1" + "}" * 1000,
    "inside a field": '{"name": ' + nested(1000) + ', "locations": ["1 Road"]}',
    "unclosed": "[" * 1000,
}


@pytest.mark.usefixtures("unchanged_table")
@pytest.mark.parametrize("route", BODY_ROUTES)
def test_json_nested_a_thousand_deep_is_400_saying_so_on_every_body_route(route: str, appointment_id: str) -> None:
    target = appointment_id if route.startswith("appointments") else None

    answers = {kind: send(route, appointment_id=target, body=body) for kind, body in DEEP_BODIES.items()}

    assert {kind: answer.status for kind, answer in answers.items()} == dict.fromkeys(DEEP_BODIES, 400), answers
    for answer in answers.values():
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["type"] == "/problems/json-too-deep"
        assert "more than 32 levels deep" in answer.json()["detail"]


def test_json_nested_32_deep_is_read_and_33_is_not(doctor: Doctor) -> None:
    def booking_nested(depth: int) -> str:  # the booking object and `patient` are two of the levels
        return f'{{"start": "{SLOT}", "location": "123 Main St", "patient": {{"id": {nested(depth - 2)}}}}}'

    read = send("appointments_book", body=booking_nested(32))
    refused = send("appointments_book", body=booking_nested(33))

    assert problem_paths(read) == ["patient.id"]
    assert refused.status == 400, refused
    assert refused.json()["type"] == "/problems/json-too-deep"
    assert appointments_stored() == []


def test_brackets_inside_strings_are_not_nesting(doctor: Doctor) -> None:
    answer = send("appointments_book", body={"start": SLOT, "location": "[{" * 100, "patient": {"name": "]" * 100}})

    assert problem_paths(answer) == ["location"]


VALID_BODIES = {
    "doctors_create": HOUSE,
    "doctors_replace": HOUSE,
    "doctors_patch": {"name": "Gregory House II"},
    "appointments_book": {"start": OTHER_SLOT, "location": "123 Main St"},
    "appointments_cancel": {"reason": "called"},
    "appointments_reschedule": {"start": OTHER_SLOT},
}


@pytest.mark.usefixtures("unchanged_table")
@pytest.mark.parametrize("route", BODY_ROUTES)
def test_a_valid_body_wrapped_in_an_array_is_422_on_every_body_route(route: str, appointment_id: str) -> None:
    target = appointment_id if route.startswith("appointments") else None

    answer = send(route, appointment_id=target, body=[VALID_BODIES[route]])

    assert problem_paths(answer) == ["body"]
    assert message_for(answer, "body") == "must be a JSON object, not an array"


# The supported range: 1970-01-01T00:00:00Z (included) to 9000-01-01T00:00:00Z (excluded)


def refusals(answers: dict[Any, Answer]) -> dict[Any, list[str]]:
    """Each value's answer as the paths its 422 names (an answer that is not a 422 fails)."""
    return {value: problem_paths(answer) for value, answer in answers.items()}


def test_a_booking_outside_the_supported_range_is_422_and_stores_nothing(doctor: Doctor) -> None:
    answers = {
        start: send("appointments_book", body={"start": start, "location": "123 Main St"}) for start in OUT_OF_RANGE
    }

    assert refusals(answers) == {key: ["start"] for key in OUT_OF_RANGE}
    assert all("1970-01-01T00:00:00Z" in message_for(answer, "start") for answer in answers.values())
    assert appointments_stored() == []


@pytest.mark.usefixtures("unchanged_table")
def test_a_reschedule_outside_the_supported_range_is_422_and_changes_nothing(appointment_id: str) -> None:
    answers = {
        start: send("appointments_reschedule", appointment_id=appointment_id, body={"start": start})
        for start in OUT_OF_RANGE
    }

    assert refusals(answers) == {key: ["start"] for key in OUT_OF_RANGE}
    assert all("9000-01-01T00:00:00Z" in message_for(answer, "start") for answer in answers.values())


@pytest.mark.usefixtures("doctor")
@pytest.mark.parametrize("name", ["from", "to"])
@pytest.mark.parametrize("route", ["slots_list", "appointments_list"])
def test_a_query_time_outside_the_supported_range_is_422_naming_it(route: str, name: str) -> None:
    values = OUT_OF_RANGE + OUT_OF_RANGE_DATES

    answers = {value: send(route, query={name: value}) for value in values}

    assert refusals(answers) == {key: [name] for key in values}
    assert all("1970-01-01" in message_for(answer, name) for answer in answers.values())


def test_a_query_date_must_be_in_range_and_so_must_its_local_midnight(given_doctor: Callable[..., Doctor]) -> None:
    given_doctor(SAMPLE_DOCTOR_ID, timezone="Asia/Kathmandu")  # east of UTC: midnight is the day before in UTC
    days = ["1970-01-01", "1970-01-02", "8999-12-31", "9000-01-01"]

    answers = {day: send("slots_list", query={"from": day, "to": day[:-1] + "3"}) for day in days[:2]}
    answers |= {day: send("appointments_list", query={"from": day}) for day in days[2:]}

    assert {day: answer.status for day, answer in answers.items()} == {
        "1970-01-01": 422,  # 1969-12-31T18:30:00Z
        "1970-01-02": 200,
        "8999-12-31": 200,  # 8999-12-30T18:15:00Z
        "9000-01-01": 422,  # a date after the range, though its midnight (8999-12-31T18:15:00Z) is not
    }


def test_the_last_supported_year_can_be_booked_and_listed(doctor: Doctor) -> None:
    booked = send("appointments_book", body={"start": "8999-12-25T08:00:00-05:00", "location": "123 Main St"})
    listed = send("appointments_list", query={"from": "1970-01-01T00:00:00Z", "to": "8999-12-31T23:59:59Z"})

    assert booked.status == 201, booked
    assert booked.json()["start"] == "8999-12-25T08:00:00-05:00"
    assert listed.status == 200, listed
    assert [item["start"] for item in listed.json()["items"]] == ["8999-12-25T08:00:00-05:00"]


def test_the_default_slot_window_stops_at_the_end_of_the_supported_range(given_doctor: Callable[..., Doctor]) -> None:
    every_day = {day: [{"start": "00:00", "end": "24:00"}] for day in ("monday", "tuesday", "sunday")}
    given_doctor(SAMPLE_DOCTOR_ID, timezone="UTC", slot_minutes=60, schedule=every_day)

    answer = send("slots_list", query={"from": "8999-12-31T20:00:00Z"})  # a Tuesday; no `to`: seven days

    assert answer.status == 200, answer
    assert answer.json()["items"][-1] == {
        "start": "8999-12-31T23:00:00Z",
        "end": "9000-01-01T00:00:00Z",
        "locations": ["123 Main St", "456 Central St"],
    }
    assert len(answer.json()["items"]) == 4


def test_override_dates_outside_the_supported_range_are_422() -> None:
    days = ["0001-01-01", "1969-12-31", "9000-01-01", "9999-12-31"]

    answers = {day: send("doctors_create", body={**HOUSE, "overrides": {day: []}}) for day in days}

    assert refusals(answers) == {day: [f"overrides.{day}.[key]"] for day in days}
    assert stored_items() == []


# Strict types


def test_a_booking_start_that_is_not_rfc3339_text_is_422_and_stores_nothing(doctor: Doctor) -> None:
    answers = {
        repr(start): send("appointments_book", body={"start": start, "location": "123 Main St"})
        for start in NOT_RFC3339
    }

    assert refusals(answers) == {key: ["start"] for key in answers}
    assert all("RFC 3339" in message_for(answer, "start") for answer in answers.values())
    assert appointments_stored() == []


@pytest.mark.usefixtures("unchanged_table")
def test_a_reschedule_start_that_is_not_rfc3339_text_is_422(appointment_id: str) -> None:
    answers = {
        repr(start): send("appointments_reschedule", appointment_id=appointment_id, body={"start": start})
        for start in NOT_RFC3339
    }

    assert refusals(answers) == {key: ["start"] for key in answers}
    assert all("RFC 3339" in message_for(answer, "start") for answer in answers.values())


@pytest.mark.usefixtures("doctor")
@pytest.mark.parametrize("name", ["from", "to"])
@pytest.mark.parametrize("route", ["slots_list", "appointments_list"])
def test_a_query_time_that_is_not_rfc3339_text_or_a_date_is_422_naming_it(route: str, name: str) -> None:
    values = ["1796634000", "1796634000.0", str(SLOT_AS_EPOCH), "2035-06-04T09:30-04:00", "2035-06-04T09:30:00", "now"]

    answers = {value: send(route, query={name: value}) for value in values}

    assert refusals(answers) == {key: [name] for key in values}
    assert all("RFC 3339" in message_for(answer, name) for answer in answers.values())


def test_creating_with_slot_minutes_that_is_not_a_json_integer_is_422() -> None:
    answers = {
        repr(value): send("doctors_create", body={**HOUSE, "slot_minutes": value}) for value in NOT_JSON_INTEGERS
    }

    assert refusals(answers) == {key: ["slot_minutes"] for key in answers}
    assert stored_items() == []


@pytest.mark.usefixtures("unchanged_table")
@pytest.mark.parametrize("route", ["doctors_replace", "doctors_patch"])
def test_changing_slot_minutes_to_something_not_a_json_integer_is_422(route: str) -> None:
    whole = route == "doctors_replace"

    answers = {
        repr(value): send(route, body={**HOUSE, "slot_minutes": value} if whole else {"slot_minutes": value})
        for value in NOT_JSON_INTEGERS
    }

    assert refusals(answers) == {key: ["slot_minutes"] for key in answers}


def test_creating_with_a_zone_name_that_is_not_in_the_tz_database_is_422() -> None:
    answers = {zone: send("doctors_create", body={**HOUSE, "timezone": zone}) for zone in NOT_TIME_ZONES}

    assert refusals(answers) == {key: ["timezone"] for key in NOT_TIME_ZONES}
    assert stored_items() == []


@pytest.mark.usefixtures("unchanged_table")
@pytest.mark.parametrize("route", ["doctors_replace", "doctors_patch"])
def test_changing_to_a_zone_name_that_is_not_in_the_tz_database_is_422(route: str) -> None:
    whole = route == "doctors_replace"

    answers = {
        zone: send(route, body={**HOUSE, "timezone": zone} if whole else {"timezone": zone}) for zone in NOT_TIME_ZONES
    }

    assert refusals(answers) == {key: ["timezone"] for key in NOT_TIME_ZONES}


def test_zone_and_link_names_of_the_tz_database_are_accepted() -> None:
    zones = ["UTC", "Etc/UTC", "US/Eastern", "Asia/Kathmandu", "America/Argentina/Salta"]

    answers = [send("doctors_create", body={**HOUSE, "timezone": zone}) for zone in zones]

    assert [(answer.status, answer.json()["timezone"]) for answer in answers] == [(201, zone) for zone in zones]


def test_override_dates_must_be_written_as_dates() -> None:
    days = ["1796601600", "2026-12-25T00:00:00", "2026-12-25T00:00:00Z", "20261225"]

    answers = {day: send("doctors_create", body={**HOUSE, "overrides": {day: []}}) for day in days}

    assert refusals(answers) == {day: [f"overrides.{day}.[key]"] for day in days}
    assert stored_items() == []


# One time format


def test_every_answer_writes_a_zero_offset_as_z(given_doctor: Callable[..., Doctor]) -> None:
    given_doctor(SAMPLE_DOCTOR_ID, timezone="Europe/London")  # a zero offset in winter
    slot, later_slot = "2035-01-08T09:30:00Z", "2035-01-08T10:30:00Z"  # a Monday

    answers = [
        send("doctors_create", body=HOUSE),
        send("doctors_patch", body={"name": "Gregory House II"}),
        send("doctors_get"),
        send("doctors_list", query={}),
        send("slots_list", query={"from": "2035-01-08", "to": "2035-01-09"}),
    ]
    booked = send("appointments_book", body={"start": "2035-01-08T09:30:00+00:00", "location": "123 Main St"})
    taken = send("appointments_book", body={"start": slot, "location": "123 Main St"})
    moved = send(
        "appointments_reschedule", appointment_id=booked.json()["id"], body={"start": "2035-01-08T10:30:00+00:00"}
    )
    answers += [
        booked,
        taken,
        moved,
        send("appointments_get", appointment_id=booked.json()["id"]),
        send("appointments_cancel", appointment_id=moved.json()["id"], body={"reason": "called"}),
        send("appointments_list", query={"from": "2035-01-01"}),
    ]

    assert [answer.status for answer in answers] == [201, 200, 200, 200, 200, 201, 409, 201, 200, 200, 200]
    times = [text for answer in answers for text in _strings(answer.json()) if RFC3339_WITH_OFFSET.match(text)]
    assert len(times) > 40
    assert [text for text in times if not text.endswith("Z")] == []
    assert (booked.json()["start"], moved.json()["start"]) == (slot, later_slot)
    assert taken.json()["slot"] == {"start": slot}
    assert slot in taken.json()["detail"]


def _strings(document: Any) -> Iterator[str]:
    if isinstance(document, str):
        yield document
    elif isinstance(document, dict):
        for value in document.values():
            yield from _strings(value)
    elif isinstance(document, list):
        for value in document:
            yield from _strings(value)


@pytest.mark.parametrize("where", ["slot_minutes", "name", "unknown", "locations"])
def test_a_number_with_more_than_a_hundred_digits_is_400_anywhere_in_a_body(where: str) -> None:
    huge = "9" * 4301  # Python's parser itself refuses integers this long (ValueError)
    fields = {"name": '"x"', "locations": '["A"]', "slot_minutes": "30"}
    fields[where] = f"[{huge}]" if where == "locations" else huge
    body = "{" + ", ".join(f'"{name}": {value}' for name, value in fields.items()) + "}"

    answer = invoke(doctors_handler, event_with("doctors_create", body=body))

    assert answer.status == 400, answer
    assert answer.json()["type"] == "/problems/json-number-too-long"


def test_a_hundred_digits_in_a_string_or_a_hundred_digit_number_are_still_read() -> None:
    body = {"name": "9" * 150, "locations": ["A"], "slot_minutes": int("9" * 100)}

    answer = invoke(doctors_handler, event_with("doctors_create", body=body))

    assert answer.status == 422, answer  # read, then refused for its value, not unreadable
    assert [error["path"] for error in answer.json()["errors"]] == ["slot_minutes"]


@pytest.mark.usefixtures("unchanged_table")
@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json_so_the_body_is_400(constant: str) -> None:
    """Found by an outside tester: Python's parser reads them, so they reached validation as floats (422)."""
    body = '{"name": "X", "locations": ["1 Road"], "slot_minutes": ' + constant + "}"

    answer = send("doctors_create", body=body)

    assert (answer.status, answer.headers["content-type"]) == (400, "application/problem+json"), answer
    assert "NaN, Infinity and -Infinity are not JSON numbers" in answer.json()["detail"]


def test_nan_inside_a_string_is_just_text() -> None:
    answer = send("doctors_create", body='{"name": "NaN Infinity", "locations": ["1 Road"]}')

    assert answer.status == 201, answer


@pytest.mark.parametrize("text", ["1.0", "+5", " 5", "5_0", "0x10", "1e1"])
def test_query_integers_are_written_with_digits_only(text: str) -> None:
    answer = send("doctors_list", query={"limit": text})

    assert answer.status == 422, answer
    assert answer.json()["errors"][0]["path"].endswith("limit")


# Found by the outside tester: a NUL in a name was stored; duplicate JSON names were read (the last one won)


@pytest.mark.usefixtures("unchanged_table")
@pytest.mark.parametrize("character", ["\u0000", "\u0007", "\n", "\u001b", "\u007f", "\u0085"])
@pytest.mark.parametrize("field", ["name", "locations"])
def test_a_control_character_in_a_doctors_name_or_address_is_422(field: str, character: str) -> None:
    body: dict[str, Any] = {"name": "Dr X", "locations": ["1 Road"]}
    body[field] = f"Dr{character}X" if field == "name" else [f"1{character}Road"]

    answer = send("doctors_create", body=body)

    assert problem_paths(answer) == [field if field == "name" else "locations[0]"]
    assert "control character" in answer.json()["errors"][0]["message"]


@pytest.mark.usefixtures("unchanged_table")
def test_a_control_character_in_a_patients_name_is_422() -> None:
    body = {"start": OTHER_SLOT, "location": "123 Main St", "patient": {"id": "p-1", "name": "Ada\u0000"}}

    assert problem_paths(send("appointments_book", body=body)) == ["patient.name"]


def test_names_in_any_script_with_spaces_and_punctuation_are_still_names() -> None:
    answer = send("doctors_create", body={"name": "Dr. Zoë O'Brien-Müller 李", "locations": ["1 Road, Suite 2"]})

    assert answer.status == 201, answer


@pytest.mark.usefixtures("unchanged_table")
@pytest.mark.parametrize(
    "body",
    [
        '{"name": "x", "name": "y", "locations": ["a"]}',
        '{"name": "x", "locations": ["a"], "schedule": {"monday": [], "monday": []}}',
    ],
)
def test_a_json_object_naming_a_member_twice_is_400(body: str) -> None:
    answer = send("doctors_create", body=body)

    assert (answer.status, answer.headers["content-type"]) == (400, "application/problem+json"), answer
    assert "more than once" in answer.json()["detail"]


def test_a_name_stored_before_the_rule_still_reads(doctor: Doctor) -> None:
    """The rule is for what callers send: a record written before it (with a NUL) stays readable, not a 500."""
    boto3.client("dynamodb").update_item(
        TableName=TABLES["SchedulingTable"],
        Key={"PK": {"S": f"DOCTOR#{SAMPLE_DOCTOR_ID}"}, "SK": {"S": "PROFILE"}},
        UpdateExpression="SET #name = :name",
        ExpressionAttributeNames={"#name": "name"},
        ExpressionAttributeValues={":name": {"S": "Old\u0000Name"}},
    )

    answer = send("doctors_get")

    assert (answer.status, answer.json()["name"]) == (200, "Old\u0000Name")
