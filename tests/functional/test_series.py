"""A course of appointments (a series) through AppointmentsFunction against moto: all or none in one
transaction, every taken start named, the same rules as one booking (patient, daily cap, notice), cancel."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from functions.appointments.app import lambda_handler as appointments
from functions.fhir.app import lambda_handler as fhir_handler
from functions.holds.app import lambda_handler as holds
from scheduling.models import Doctor
from tests.functional.conftest import CallLog, invoke, stored_items
from tests.support.clock import Clock
from tests.support.lambda_events import SAMPLE_DOCTOR_ID, Answer, event_with

WEEK = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ALL_DAY = {day: [{"start": "08:00", "end": "18:00"}] for day in WEEK}
MONDAYS = (
    [f"2027-03-{day:02d}T09:00:00-05:00" for day in (1, 8)]
    + [
        f"2027-03-{day:02d}T09:00:00-04:00"
        for day in (15, 22, 29)  # DST began on 14 March: same local hour
    ]
    + ["2027-04-05T09:00:00-04:00"]
)


pytestmark = [
    pytest.mark.usefixtures("aws", "clock"),
    pytest.mark.clock(datetime(2027, 2, 20, tzinfo=UTC)),
    pytest.mark.doctor(slot_minutes=60, schedule=ALL_DAY),
]


def series_event(resource: str, body: Any = None, method: str = "POST", **path: str) -> dict[str, Any]:
    event = copy.deepcopy(event_with("appointments_book", body=body))
    event["resource"] = event["requestContext"]["resourcePath"] = resource
    event["httpMethod"] = event["requestContext"]["httpMethod"] = method
    parameters = {"doctor_id": SAMPLE_DOCTOR_ID, **path}
    event["pathParameters"] = parameters
    event["path"] = resource.format(**parameters)
    return event


def book_series(body: dict[str, Any]) -> Answer:
    return invoke(appointments, series_event("/doctors/{doctor_id}/appointments/series", body))


def cancel_series(series_id: str) -> Answer:
    resource = "/doctors/{doctor_id}/appointments/series/{series_id}/cancel"
    return invoke(appointments, series_event(resource, {"reason": "course stopped"}, series_id=series_id))


def get_series(series_id: str) -> Answer:
    resource = "/doctors/{doctor_id}/appointments/series/{series_id}"
    return invoke(appointments, series_event(resource, None, "GET", series_id=series_id))


def book(start: str, patient: str | None = None) -> Answer:
    body: dict[str, Any] = {"start": start, "location": "123 Main St"}
    if patient:
        body["patient"] = {"id": patient}
    return invoke(appointments, event_with("appointments_book", body=body))


def appointment_items() -> list[dict[str, Any]]:
    return [item for item in stored_items() if item.get("kind", {}).get("S") == "appointment"]


def everything_but_the_doctor() -> list[dict[str, Any]]:
    return [
        item
        for item in stored_items()
        if item["SK"]["S"] not in {"PROFILE", "FENCE"} and not item["SK"]["S"].startswith("TAG#")
    ]


def test_a_series_books_every_start_in_one_transaction_and_each_appointment_carries_its_id(
    doctor: Doctor, dynamodb_calls: CallLog
) -> None:
    answer = book_series({"starts": MONDAYS, "location": "123 Main St", "patient": {"id": "p-1"}})

    assert answer.status == 201, answer
    series = answer.json()
    assert [a["start"] for a in series["appointments"]] == MONDAYS
    assert {a["series_id"] for a in series["appointments"]} == {series["series_id"]}
    assert answer.headers["location"] == f"/doctors/{doctor.id}/appointments/series/{series['series_id']}"
    # 2n + 3 round trips: the doctor, an overlap Query and a patient Query per start, the patient's lock, one write
    assert sorted(dynamodb_calls.on()) == sorted(["GetItem"] * 2 + ["Query"] * 12 + ["TransactWriteItems"])
    stored = {item["appointment_id"]["S"]: item["series_id"]["S"] for item in appointment_items()}
    assert stored == {a["id"]: series["series_id"] for a in series["appointments"]}
    patient_copies = [i for i in stored_items() if i["PK"]["S"] == "PATIENT#p-1" and i["SK"]["S"].startswith("TIME#")]
    assert len(patient_copies) == 6
    assert get_series(series["series_id"]).json() == series


def test_first_every_days_and_count_keep_the_local_hour_across_daylight_saving(doctor: Doctor) -> None:
    answer = book_series({"first": MONDAYS[0], "every_days": 7, "count": 6, "location": "123 Main St"})

    assert answer.status == 201, answer
    assert [a["start"] for a in answer.json()["appointments"]] == MONDAYS


def test_a_series_with_taken_and_held_starts_stores_nothing_and_names_every_one(doctor: Doctor) -> None:
    assert book(MONDAYS[2]).status == 201
    held = event_with("holds_create", body={"start": MONDAYS[4], "location": "123 Main St", "ttl_seconds": 600})
    assert invoke(holds, held).status == 201
    before = everything_but_the_doctor()

    answer = book_series({"starts": MONDAYS, "location": "123 Main St", "patient": {"id": "p-1"}})

    assert answer.status == 409, answer
    problem = answer.json()
    assert problem["type"] == "/problems/series-slots-taken"
    assert [datetime.fromisoformat(s["start"]) for s in problem["slots"]] == [
        datetime.fromisoformat(MONDAYS[2]),
        datetime.fromisoformat(MONDAYS[4]),
    ]
    assert everything_but_the_doctor() == before


def test_a_start_that_overlaps_on_another_grid_is_taken_too(doctor: Doctor) -> None:
    assert book("2027-03-08T08:30:00-05:00").status == 422  # not on this doctor's grid: refused like one booking
    assert book(MONDAYS[1]).status == 201

    answer = book_series({"starts": MONDAYS[:3], "location": "123 Main St"})

    assert answer.status == 409, answer
    assert len(answer.json()["slots"]) == 1


def test_unpublished_or_too_early_starts_are_422_like_a_single_booking_naming_each(doctor: Doctor) -> None:
    answer = book_series(
        {"starts": ["2027-03-01T09:30:00-05:00", MONDAYS[1], "2027-02-01T09:00:00-05:00"], "location": "123 Main St"}
    )

    assert answer.status == 422, answer
    paths = [error["path"] for error in answer.json()["errors"]]
    assert paths == ["starts[0]", "starts[1]"]  # in time order: the past start first, then the off-grid one
    assert everything_but_the_doctor() == []


@pytest.mark.parametrize(
    "body",
    [
        {"starts": [MONDAYS[0]], "location": "123 Main St"},
        {"starts": MONDAYS * 3, "location": "123 Main St"},
        {"starts": [MONDAYS[0], MONDAYS[0]], "location": "123 Main St"},
        {"starts": MONDAYS[:2], "first": MONDAYS[0], "location": "123 Main St"},
        {"first": MONDAYS[0], "every_days": 7, "location": "123 Main St"},
        {"first": MONDAYS[0], "every_days": 0, "count": 3, "location": "123 Main St"},
        {"first": MONDAYS[0], "every_days": 7, "count": 13, "location": "123 Main St"},
        {"starts": MONDAYS[:2]},
    ],
)
def test_bad_series_requests_are_422_and_store_nothing(doctor: Doctor, body: dict[str, Any]) -> None:
    answer = book_series(body)

    assert answer.status == 422, answer
    assert answer.headers["content-type"] == "application/problem+json"
    assert everything_but_the_doctor() == []


def test_a_patient_busy_at_one_start_gets_409_and_nothing(doctor: Doctor, given_doctor: Callable[..., Doctor]) -> None:
    other = given_doctor("1" * 32, slot_minutes=60, schedule=ALL_DAY)
    elsewhere = event_with(
        "appointments_book",
        path_parameters={"doctor_id": other.id},
        body={"start": MONDAYS[3], "location": "123 Main St", "patient": {"id": "p-1"}},
    )
    assert invoke(appointments, elsewhere).status == 201

    answer = book_series({"starts": MONDAYS, "location": "123 Main St", "patient": {"id": "p-1"}})

    assert answer.status == 409, answer
    assert answer.json()["type"] == "/problems/patient-busy"
    assert [i for i in appointment_items() if i["PK"]["S"] == f"DOCTOR#{doctor.id}"] == []


def test_the_daily_cap_counts_the_series_own_appointments_of_a_day(
    given_doctor: Callable[..., Doctor], clock: Clock
) -> None:
    given_doctor(SAMPLE_DOCTOR_ID, slot_minutes=60, schedule=ALL_DAY, rules={"max_per_day": 2})
    assert book("2027-03-01T15:00:00-05:00").status == 201
    same_day = ["2027-03-01T09:00:00-05:00", "2027-03-01T10:00:00-05:00"]

    refused = book_series({"starts": same_day, "location": "123 Main St"})
    fits = book_series({"starts": [same_day[0], MONDAYS[1], "2027-03-08T10:00:00-05:00"], "location": "123 Main St"})

    assert refused.status == 409, refused
    assert refused.json()["type"] == "/problems/day-full"
    assert fits.status == 201, fits
    assert len(appointment_items()) == 4


def test_cancelling_a_series_cancels_its_future_booked_appointments_and_repeats_safely(
    doctor: Doctor, clock: Clock
) -> None:
    series = book_series({"starts": MONDAYS, "location": "123 Main St", "patient": {"id": "p-1"}}).json()
    clock.now = datetime(2027, 3, 10, tzinfo=UTC)  # two of them are past

    first = cancel_series(series["series_id"])
    again = cancel_series(series["series_id"])

    assert first.status == 200, first
    assert [a["status"] for a in first.json()["appointments"]] == ["booked"] * 2 + ["cancelled"] * 4
    assert again.json() == first.json()
    assert len([i for i in stored_items() if i["SK"]["S"].startswith("SLOT#")]) == 2


def test_a_rescheduled_member_stays_in_its_series_and_is_cancelled_where_it_moved(doctor: Doctor) -> None:
    series = book_series({"starts": MONDAYS[:2], "location": "123 Main St"}).json()
    moved = invoke(
        appointments,
        event_with(
            "appointments_reschedule",
            path_parameters={"doctor_id": SAMPLE_DOCTOR_ID, "appointment_id": series["appointments"][1]["id"]},
            body={"start": "2027-03-09T11:00:00-05:00"},
        ),
    )
    assert moved.status == 201, moved
    assert moved.json()["series_id"] == series["series_id"]

    cancelled = cancel_series(series["series_id"]).json()

    assert [(a["id"], a["status"]) for a in cancelled["appointments"]] == [
        (series["appointments"][0]["id"], "cancelled"),
        (moved.json()["id"], "cancelled"),
    ]


def test_an_unknown_series_is_404(doctor: Doctor) -> None:
    assert get_series("0" * 32).status == 404
    assert cancel_series("not-a-series").status == 404


def test_fhir_shows_each_appointment_of_a_series_with_the_series_identifier(doctor: Doctor) -> None:
    series = book_series({"starts": MONDAYS[:2], "location": "123 Main St"}).json()
    single = book(MONDAYS[2]).json()

    def identifiers(appointment_id: str) -> list[dict[str, str]]:
        path = {"appointment_id": f"{doctor.id}-{appointment_id}"}
        answer = invoke(fhir_handler, event_with("fhir_find", path_parameters=path, query={}))
        assert answer.status == 200, answer
        return list(answer.json()["identifier"])

    for member in series["appointments"]:
        assert identifiers(member["id"]) == [
            {"system": "urn:scheduling:appointment-id", "value": member["id"]},
            {"system": "urn:scheduling:series-id", "value": series["series_id"]},
        ]
    assert identifiers(single["id"]) == [{"system": "urn:scheduling:appointment-id", "value": single["id"]}]
