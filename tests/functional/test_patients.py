"""A patient is never in two places at once, with any doctor; a patient's own calendar across doctors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from functions.appointments.app import lambda_handler as appointments
from functions.holds.app import lambda_handler as holds
from functions.patients.app import lambda_handler as patients
from scheduling.domain.hold_expiry import HOLD_EXPIRY_MARGIN
from scheduling.models import Doctor
from tests.functional.conftest import CallLog, invoke
from tests.support.clock import Clock
from tests.support.lambda_events import Answer, event_with

WEEK = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DOCTOR_A, DOCTOR_B = "a" * 32, "b" * 32


pytestmark = [
    pytest.mark.usefixtures("aws"),
    pytest.mark.clock(datetime(2035, 6, 1, tzinfo=UTC)),
]


@pytest.fixture
def doctors(given_doctor: Callable[..., Doctor], clock: Clock) -> None:
    """Doctor A has 30-minute slots from 09:00 UTC, doctor B 20-minute slots: unequal lengths."""
    hours = {day: [{"start": "09:00", "end": "17:00"}] for day in WEEK}
    given_doctor(DOCTOR_A, timezone="UTC", slot_minutes=30, schedule=hours, locations=["A Wing"])
    given_doctor(DOCTOR_B, timezone="UTC", slot_minutes=20, schedule=hours, locations=["B Wing"])


def book(doctor_id: str, start: str, patient: str | None = "p-1") -> Answer:
    body: dict[str, Any] = {"start": start, "location": "A Wing" if doctor_id == DOCTOR_A else "B Wing"}
    if patient:
        body["patient"] = {"id": patient, "name": "Ada Lovelace"}
    return invoke(appointments, event_with("appointments_book", path_parameters={"doctor_id": doctor_id}, body=body))


def on(name: str, doctor_id: str, appointment_id: str, body: Any = None) -> Answer:
    path = {"doctor_id": doctor_id, "appointment_id": appointment_id}
    return invoke(appointments, event_with(name, path_parameters=path, body=body))


def calendar(patient: str = "p-1", **query: str) -> dict[str, Any]:
    answer = invoke(patients, event_with("patients_appointments", path_parameters={"patient_id": patient}, query=query))
    assert answer.status == 200, answer
    page: dict[str, Any] = answer.json()
    return page


@pytest.mark.usefixtures("doctors")
def test_a_patient_booked_with_one_doctor_is_busy_for_another_at_an_overlapping_time() -> None:
    first = book(DOCTOR_A, "2035-06-04T09:00:00Z")  # 09:00-09:30

    overlapping = book(DOCTOR_B, "2035-06-04T09:20:00Z")  # 09:20-09:40: unequal lengths, overlapping
    adjacent = book(DOCTOR_B, "2035-06-04T09:40:00Z")  # 09:40-10:00 after 09:30: fine
    touching_before = book(DOCTOR_B, "2035-06-04T10:00:00Z")
    other_patient = book(DOCTOR_B, "2035-06-04T09:20:00Z", patient="p-2")

    assert first.status == 201
    assert (overlapping.status, overlapping.json()["type"]) == (409, "/problems/patient-busy")
    assert DOCTOR_A not in overlapping.text  # it names the time only, no other doctor's details
    assert "2035-06-04T09:00:00Z" in overlapping.json()["detail"]
    assert adjacent.status == touching_before.status == other_patient.status == 201


@pytest.mark.usefixtures("doctors")
@pytest.mark.parametrize("ending", ["appointments_cancel", "appointments_no_show", "complete"])
def test_cancel_no_show_and_completion_free_the_patients_time(clock: Clock, ending: str) -> None:
    appointment = book(DOCTOR_A, "2035-06-04T09:00:00Z").json()
    if ending == "complete":
        clock.set(datetime(2035, 6, 4, 8, 55, tzinfo=UTC))
        assert on("appointments_check_in", DOCTOR_A, appointment["id"]).status == 200
        ending = "appointments_complete"
    else:
        clock.set(datetime(2035, 6, 4, 9, 5, tzinfo=UTC))
    assert on(ending, DOCTOR_A, appointment["id"]).status == 200
    clock.set(datetime(2035, 6, 4, 8, 0, tzinfo=UTC))  # back before the slot, to book it again elsewhere

    again = book(DOCTOR_B, "2035-06-04T09:00:00Z")

    assert again.status == 201, again


@pytest.mark.usefixtures("doctors")
def test_a_checked_in_appointment_still_takes_the_patients_time(clock: Clock) -> None:
    appointment = book(DOCTOR_A, "2035-06-04T09:00:00Z").json()
    clock.set(datetime(2035, 6, 4, 8, 55, tzinfo=UTC))
    on("appointments_check_in", DOCTOR_A, appointment["id"])

    assert book(DOCTOR_B, "2035-06-04T09:00:00Z").json()["type"] == "/problems/patient-busy"


@pytest.mark.usefixtures("doctors")
def test_a_reschedule_may_overlap_the_appointment_it_moves_but_not_another() -> None:
    first = book(DOCTOR_A, "2035-06-04T09:00:00Z").json()
    book(DOCTOR_B, "2035-06-04T10:00:00Z")

    onto_itself = on("appointments_reschedule", DOCTOR_A, first["id"], {"start": "2035-06-04T09:30:00Z"})
    onto_other = on("appointments_reschedule", DOCTOR_A, onto_itself.json()["id"], {"start": "2035-06-04T10:00:00Z"})

    assert onto_itself.status == 201, onto_itself
    assert (onto_other.status, onto_other.json()["type"]) == (409, "/problems/patient-busy")


@pytest.mark.usefixtures("doctors")
def test_converting_a_hold_for_a_busy_patient_is_refused(clock: Clock) -> None:
    book(DOCTOR_A, "2035-06-04T09:00:00Z")
    held = invoke(
        holds,
        event_with(
            "holds_create",
            path_parameters={"doctor_id": DOCTOR_B},
            body={"start": "2035-06-04T09:20:00Z", "location": "B Wing"},
        ),
    ).json()

    converted = invoke(
        appointments,
        event_with(
            "appointments_book",
            path_parameters={"doctor_id": DOCTOR_B},
            body={"hold_id": held["id"], "patient": {"id": "p-1"}},
        ),
    )

    assert (converted.status, converted.json()["type"]) == (409, "/problems/patient-busy")


@pytest.mark.usefixtures("doctors")
def test_the_patients_calendar_spans_doctors_ascending_with_pages_and_status(clock: Clock) -> None:
    starts = [
        (DOCTOR_B, "2035-06-04T11:00:00Z"),
        (DOCTOR_A, "2035-06-04T09:00:00Z"),
        (DOCTOR_B, "2035-06-05T09:00:00Z"),
    ]
    ids = [book(doctor, start).json()["id"] for doctor, start in starts]
    book(DOCTOR_A, "2035-06-04T13:00:00Z", patient="p-2")
    on("appointments_cancel", DOCTOR_B, ids[2], {"reason": "moved away"})

    pages, token = [], None
    while True:
        page = calendar(limit="2", **({"next_token": token} if token else {}))
        pages.append([(item["doctor_id"], item["start"], item["status"]) for item in page["items"]])
        token = page["next_token"]
        if not token:
            break
    cancelled = calendar(status="cancelled")["items"]
    window = calendar(**{"from": "2035-06-04T10:00:00Z", "to": "2035-06-05T00:00:00Z"})["items"]

    assert [entry for page in pages for entry in page] == [
        (DOCTOR_A, "2035-06-04T09:00:00Z", "booked"),
        (DOCTOR_B, "2035-06-04T11:00:00Z", "booked"),
        (DOCTOR_B, "2035-06-05T09:00:00Z", "cancelled"),
    ]
    assert [item["id"] for item in cancelled] == [ids[2]]
    assert cancelled[0]["cancel_reason"] == "moved away"
    assert [item["id"] for item in window] == [ids[0]]
    assert calendar("nobody")["items"] == []


@pytest.mark.usefixtures("doctors")
@pytest.mark.parametrize("query", [{"from": "2035-06-04"}, {"to": "1796634000"}, {"status": "lost"}])
def test_the_calendar_takes_only_instants_and_known_statuses(query: dict[str, str]) -> None:
    answer = invoke(patients, event_with("patients_appointments", path_parameters={"patient_id": "p-1"}, query=query))

    assert answer.status == 422
    assert [error["path"] for error in answer.json()["errors"]] == list(query)


@pytest.mark.usefixtures("doctors")
def test_a_booking_with_a_patient_costs_the_patients_lock_and_look(dynamodb_calls: CallLog) -> None:
    dynamodb_calls.clear()
    book(DOCTOR_A, "2035-06-04T09:00:00Z")

    # doctor, doctor's overlaps, patient lock, patient's overlaps issued together (any order), then the write
    calls = dynamodb_calls.on()
    assert (sorted(calls[:4]), calls[4:]) == (["GetItem", "GetItem", "Query", "Query"], ["TransactWriteItems"])
    assert len(dynamodb_calls.calls) == 5


# Holds made for a patient take the patient's time too


def hold_for(doctor_id: str, start: str, patient: str | None = "p-1", ttl: int = 300) -> Answer:
    body: dict[str, Any] = {"start": start, "location": "A Wing" if doctor_id == DOCTOR_A else "B Wing"}
    body["ttl_seconds"] = ttl
    if patient:
        body["patient"] = {"id": patient}
    return invoke(holds, event_with("holds_create", path_parameters={"doctor_id": doctor_id}, body=body))


def convert(doctor_id: str, hold_id: str, patient: dict[str, Any] | None = None) -> Answer:
    body: dict[str, Any] = {"hold_id": hold_id, **({"patient": patient} if patient else {})}
    return invoke(appointments, event_with("appointments_book", path_parameters={"doctor_id": doctor_id}, body=body))


@pytest.mark.usefixtures("doctors")
def test_a_hold_for_a_patient_keeps_the_patient_from_overlapping_bookings_and_holds() -> None:
    held = hold_for(DOCTOR_A, "2035-06-04T09:00:00Z")
    assert held.status == 201, held
    assert held.json()["patient_id"] == "p-1"

    assert (book(DOCTOR_B, "2035-06-04T09:20:00Z").json()["type"]) == "/problems/patient-busy"
    assert (hold_for(DOCTOR_B, "2035-06-04T09:20:00Z").json()["type"]) == "/problems/patient-busy"
    assert book(DOCTOR_B, "2035-06-04T09:40:00Z").status == 201  # adjacent: 09:30 is when the held slot ends
    assert hold_for(DOCTOR_B, "2035-06-04T09:20:00Z", patient="p-2").status == 201  # another patient


@pytest.mark.usefixtures("doctors")
def test_a_hold_is_refused_for_a_patient_booked_at_that_time() -> None:
    assert book(DOCTOR_A, "2035-06-04T09:00:00Z").status == 201

    refused = hold_for(DOCTOR_B, "2035-06-04T09:20:00Z")

    assert (refused.status, refused.json()["type"]) == (409, "/problems/patient-busy")


@pytest.mark.usefixtures("doctors")
def test_releasing_or_outliving_a_hold_frees_the_patients_time(clock: Clock) -> None:
    released = hold_for(DOCTOR_A, "2035-06-04T09:00:00Z").json()
    path = {"doctor_id": DOCTOR_A, "hold_id": released["id"]}
    assert invoke(holds, event_with("holds_release", path_parameters=path)).status == 204
    assert book(DOCTOR_B, "2035-06-04T09:20:00Z").status == 201

    assert hold_for(DOCTOR_A, "2035-06-05T09:00:00Z", ttl=60).status == 201
    assert book(DOCTOR_B, "2035-06-05T09:20:00Z").json()["type"] == "/problems/patient-busy"
    clock.advance(60 + HOLD_EXPIRY_MARGIN.total_seconds() - 0.001)  # expired, but within its margin
    assert book(DOCTOR_B, "2035-06-05T09:20:00Z").json()["type"] == "/problems/patient-busy"
    clock.advance(0.001)
    assert book(DOCTOR_B, "2035-06-05T09:20:00Z").status == 201


@pytest.mark.usefixtures("doctors")
def test_a_hold_for_a_patient_books_for_that_patient_and_only_that_patient() -> None:
    held = hold_for(DOCTOR_A, "2035-06-04T09:00:00Z").json()

    other = convert(DOCTOR_A, held["id"], {"id": "p-2"})
    assert other.status == 422, other
    assert other.json()["errors"][0]["path"] == "patient.id"

    booked = convert(DOCTOR_A, held["id"], {"name": "Ada Lovelace"})
    assert booked.status == 201, booked
    assert booked.json()["patient"] == {"id": "p-1", "name": "Ada Lovelace"}
    # the appointment replaced the hold in the patient's calendar: listed once, and still taking the time
    assert [item["id"] for item in calendar()["items"]] == [booked.json()["id"]]
    assert book(DOCTOR_B, "2035-06-04T09:20:00Z").json()["type"] == "/problems/patient-busy"


@pytest.mark.usefixtures("doctors")
def test_the_patients_calendar_lists_appointments_not_holds() -> None:
    assert hold_for(DOCTOR_A, "2035-06-04T09:00:00Z").status == 201
    assert book(DOCTOR_B, "2035-06-04T10:00:00Z").status == 201

    assert [item["start"] for item in calendar()["items"]] == ["2035-06-04T10:00:00Z"]


@pytest.mark.usefixtures("doctors")
@pytest.mark.parametrize("patient", ["sp ace", "a/b", "q?x", "pct%41", "uni-é", "-leading", " ", "p\u0000"])
def test_a_patient_id_the_calendar_could_not_address_is_refused(patient: str) -> None:
    """Found by an outside tester: such ids were booked, then `GET /patients/{id}/appointments` could not reach
    them. Every id must be usable unencoded in that path."""
    answer = book(DOCTOR_A, "2035-06-04T09:00:00Z", patient=patient)

    assert answer.status == 422, answer
    assert answer.json()["errors"][0]["path"] == "patient.id"
    asked = invoke(patients, event_with("patients_appointments", path_parameters={"patient_id": patient}))
    assert asked.status in {404, 422}, asked  # 404 where the text cannot be one path segment ("a/b", "q?x")
    assert asked.headers["content-type"] == "application/problem+json"


@pytest.mark.usefixtures("doctors")
def test_ids_with_the_allowed_punctuation_are_booked_and_listed() -> None:
    patient = "MRN:12.34_x~y@ward-5"
    assert book(DOCTOR_A, "2035-06-04T09:00:00Z", patient=patient).status == 201

    assert len(calendar(patient)["items"]) == 1


@pytest.mark.usefixtures("doctors")
def test_replaying_a_conversion_for_another_patient_is_refused_too() -> None:
    """Found by an outside tester: once converted, the same request naming another patient answered 201."""
    held = hold_for(DOCTOR_A, "2035-06-04T09:00:00Z").json()
    assert convert(DOCTOR_A, held["id"]).status == 201

    replay_for_another = convert(DOCTOR_A, held["id"], {"id": "p-2"})

    assert replay_for_another.status == 422, replay_for_another
    assert convert(DOCTOR_A, held["id"]).status == 201  # the same replay answers the appointment again


@pytest.mark.usefixtures("doctors")
def test_converting_a_hold_that_names_the_patient_reads_only_the_hold(dynamodb_calls: CallLog) -> None:
    """The request names no patient, the hold does: the hold's record carries the patient's lock as the hold
    wrote it, so the conversion reads the hold and writes, checking that lock (issue #23: 2 rounds, was 3-4)."""
    held = hold_for(DOCTOR_A, "2035-06-04T09:00:00Z").json()
    dynamodb_calls.clear()

    booked = convert(DOCTOR_A, held["id"])

    assert booked.status == 201, booked
    assert booked.json()["patient"]["id"] == "p-1"
    assert dynamodb_calls.on() == ["GetItem", "TransactWriteItems"]
    assert [item["id"] for item in calendar()["items"]] == [booked.json()["id"]]


@pytest.mark.usefixtures("doctors")
def test_a_conversion_after_the_patient_booked_elsewhere_looks_again_and_books() -> None:
    """The patient's lock moved after the hold (another booking of theirs): the conversion's first write fails
    on the lock, and it looks at the patient's time before writing again."""
    held = hold_for(DOCTOR_A, "2035-06-04T09:00:00Z").json()
    elsewhere = book(DOCTOR_B, "2035-06-04T11:00:00Z")
    assert elsewhere.status == 201, elsewhere

    booked = convert(DOCTOR_A, held["id"])

    assert booked.status == 201, booked
    ids = [item["id"] for item in calendar()["items"]]
    assert sorted(ids) == sorted([booked.json()["id"], elsewhere.json()["id"]])
    assert book(DOCTOR_B, "2035-06-04T09:20:00Z").json()["type"] == "/problems/patient-busy"
