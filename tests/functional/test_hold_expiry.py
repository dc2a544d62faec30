"""The instant a hold expires, in-process against moto with the clock injected (issue #18, items 1 and 3).

A conversion reads the clock just before its write, and its write can land a little later; a writer that
meanwhile reads a later clock must not take the hold's time. Each test makes that interleaving happen
deterministically: the other writer runs entirely between the conversion's clock reading and its write.
The rule (docs/design.md, "No overlap, no orphan, no ghost"): a conversion commits only before `expires_at`;
everyone else takes the hold's time only from `expires_at + HOLD_EXPIRY_MARGIN`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.appointments.app import lambda_handler as appointments
from functions.availability.app import lambda_handler as slots_handler
from functions.doctors.app import lambda_handler as doctors
from functions.holds.app import lambda_handler as holds
from scheduling.domain import hold_expiry
from scheduling.models import Appointment, Doctor
from scheduling.store import PatientLock, SchedulingStore
from tests.api.together import overlapping_pairs
from tests.functional.conftest import invoke, stored_items
from tests.support.clock import Clock
from tests.support.lambda_events import SAMPLE_DOCTOR_ID, Answer, event_with

WEEK = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
T0 = datetime(2035, 6, 3, 12, tzinfo=UTC)
THREE = "2035-06-04T03:00:00Z"
HALF_PAST_THREE = "2035-06-04T03:30:00Z"
JUST = timedelta(milliseconds=50)


pytestmark = [
    pytest.mark.usefixtures("aws"),
    pytest.mark.clock(T0),
]


def always_open(given_doctor: Callable[..., Doctor], doctor_id: str = SAMPLE_DOCTOR_ID, **fields: Any) -> Doctor:
    return given_doctor(
        doctor_id,
        timezone="UTC",
        slot_minutes=60,
        locations=["North Wing"],
        schedule={day: [{"start": "00:00", "end": "24:00"}] for day in WEEK},
        **fields,
    )


def hold(start: str, patient: str | None = "p-1", doctor_id: str = SAMPLE_DOCTOR_ID) -> Answer:
    body = {
        "start": start,
        "location": "North Wing",
        "ttl_seconds": 30,
        **({"patient": {"id": patient}} if patient else {}),
    }
    return invoke(holds, event_with("holds_create", path_parameters={"doctor_id": doctor_id}, body=body))


def book(body: dict[str, Any], doctor_id: str = SAMPLE_DOCTOR_ID) -> Answer:
    return invoke(appointments, event_with("appointments_book", path_parameters={"doctor_id": doctor_id}, body=body))


def reschedule(appointment_id: str, start: str) -> Answer:
    parameters = {"doctor_id": SAMPLE_DOCTOR_ID, "appointment_id": appointment_id}
    return invoke(
        appointments, event_with("appointments_reschedule", path_parameters=parameters, body={"start": start})
    )


def patch_doctor(fields: dict[str, Any]) -> Answer:
    return invoke(doctors, event_with("doctors_patch", path_parameters={"doctor_id": SAMPLE_DOCTOR_ID}, body=fields))


def free_slots() -> list[str]:
    event = event_with("slots_list", query={"from": "2035-06-04T00:00:00Z", "to": "2035-06-04T06:00:00Z"})
    return [slot["start"] for slot in invoke(slots_handler, event).json()["items"]]


def appointment_items(doctor_id: str = SAMPLE_DOCTOR_ID) -> list[dict[str, Any]]:
    return [
        {"id": item["appointment_id"]["S"], "start": item["start"]["S"], "end": item["end"]["S"]}
        for item in stored_items()
        if item.get("kind", {}).get("S") == "appointment" and item["PK"]["S"] == f"DOCTOR#{doctor_id}"
    ]


@contextmanager
def before_the_conversion_writes(
    monkeypatch: pytest.MonkeyPatch, clock: Clock, at: datetime, meanwhile: Callable[[], Answer]
) -> Iterator[list[Answer]]:
    """The conversion's write waits, after its clock reading, while `meanwhile` runs with the clock at `at`."""
    original = SchedulingStore.convert_hold
    answers: list[Answer] = []

    def delayed(self: SchedulingStore, *arguments: Any, **keywords: Any) -> Any:
        if not answers:
            read = clock.now
            clock.set(at)
            answers.append(meanwhile())
            clock.set(read)
        return original(self, *arguments, **keywords)

    monkeypatch.setattr(SchedulingStore, "convert_hold", delayed)
    yield answers


def the_issues_scenario(
    given_doctor: Callable[..., Doctor], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> tuple[Answer, Answer, datetime]:
    """Slots of 60 minutes; a hold at 03:00 (30 s, for a patient); slots become 30 minutes; the hold is converted
    50 ms before `expires_at`, and its write lands after a booking of 03:30 made 50 ms after `expires_at`."""
    always_open(given_doctor)
    held = hold(THREE).json()
    assert patch_doctor({"slot_minutes": 30}).status == 200
    expires_at = datetime.fromisoformat(held["expires_at"])
    clock.set(expires_at - JUST)
    with before_the_conversion_writes(
        monkeypatch, clock, expires_at + JUST, lambda: book({"start": HALF_PAST_THREE, "location": "North Wing"})
    ) as meanwhile:
        converted = book({"hold_id": held["id"]})
    [booked] = meanwhile
    return converted, booked, expires_at


def test_a_conversion_just_before_expiry_and_a_booking_just_after_never_overlap(
    given_doctor: Callable[..., Doctor], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    converted, booked, _ = the_issues_scenario(given_doctor, clock, monkeypatch)

    assert converted.status == 201, converted
    assert (booked.status, booked.json()["type"]) == (409, "/problems/slot-held")
    assert overlapping_pairs(appointment_items()) == []
    assert [item["start"] for item in appointment_items()] == ["2035-06-04T03:00:00Z"]


def test_without_the_margin_the_same_interleaving_books_two_overlapping_appointments(
    given_doctor: Callable[..., Doctor], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The margin is what decides: set to zero, the issue's double booking comes back."""
    monkeypatch.setattr(hold_expiry, "HOLD_EXPIRY_MARGIN", timedelta(0))

    converted, booked, _ = the_issues_scenario(given_doctor, clock, monkeypatch)

    assert (converted.status, booked.status) == (201, 201)
    assert len(overlapping_pairs(appointment_items())) == 1


@pytest.mark.parametrize("writer", ["hold", "reschedule", "book-same-grid"])
def test_no_other_writer_takes_the_time_of_a_hold_being_converted(
    given_doctor: Callable[..., Doctor], clock: Clock, monkeypatch: pytest.MonkeyPatch, writer: str
) -> None:
    always_open(given_doctor)
    elsewhere = book({"start": "2035-06-04T09:00:00Z", "location": "North Wing"}).json()
    held = hold(THREE).json()
    assert patch_doctor({"slot_minutes": 30}).status == 200
    expires_at = datetime.fromisoformat(held["expires_at"])
    other: dict[str, Callable[[], Answer]] = {
        "hold": lambda: hold(HALF_PAST_THREE, patient=None),
        "reschedule": lambda: reschedule(elsewhere["id"], HALF_PAST_THREE),
        "book-same-grid": lambda: book({"start": THREE, "location": "North Wing"}),
    }
    clock.set(expires_at - JUST)
    with before_the_conversion_writes(monkeypatch, clock, expires_at + JUST, other[writer]) as meanwhile:
        converted = book({"hold_id": held["id"]})

    [refused] = meanwhile
    assert converted.status == 201, converted
    assert (refused.status, refused.json()["type"]) == (409, "/problems/slot-held")
    assert overlapping_pairs(appointment_items()) == []


def test_a_hold_in_its_margin_still_counts_against_the_daily_cap(
    given_doctor: Callable[..., Doctor], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    always_open(given_doctor, rules={"max_per_day": 1})
    held = hold(THREE).json()
    expires_at = datetime.fromisoformat(held["expires_at"])
    clock.set(expires_at - JUST)
    with before_the_conversion_writes(
        monkeypatch, clock, expires_at + JUST, lambda: book({"start": "2035-06-04T09:00:00Z", "location": "North Wing"})
    ) as meanwhile:
        converted = book({"hold_id": held["id"]})

    [refused] = meanwhile
    assert converted.status == 201, converted
    assert (refused.status, refused.json()["type"]) == (409, "/problems/day-full")
    assert len(appointment_items()) == 1


def test_a_hold_in_its_margin_still_takes_the_patients_time(
    given_doctor: Callable[..., Doctor], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    always_open(given_doctor)
    always_open(given_doctor, "1f8fad5bd9cb469fa16570867728950e")
    held = hold(THREE).json()
    expires_at = datetime.fromisoformat(held["expires_at"])
    clock.set(expires_at - JUST)
    elsewhere = {"start": THREE, "location": "North Wing", "patient": {"id": "p-1"}}
    with before_the_conversion_writes(
        monkeypatch, clock, expires_at + JUST, lambda: book(elsewhere, "1f8fad5bd9cb469fa16570867728950e")
    ) as meanwhile:
        converted = book({"hold_id": held["id"]})

    [refused] = meanwhile
    assert converted.status == 201, converted
    assert (refused.status, refused.json()["type"]) == (409, "/problems/patient-busy")


def test_the_slot_shows_held_through_the_margin_and_is_free_after_it(
    given_doctor: Callable[..., Doctor], clock: Clock
) -> None:
    always_open(given_doctor)
    held = hold(THREE).json()
    expires_at = datetime.fromisoformat(held["expires_at"])

    clock.set(expires_at + hold_expiry.HOLD_EXPIRY_MARGIN - timedelta(milliseconds=1))
    offered_in_margin = THREE in free_slots()
    status_in_margin = invoke(
        holds, event_with("holds_get", path_parameters={"doctor_id": SAMPLE_DOCTOR_ID, "hold_id": held["id"]})
    ).json()["status"]
    in_margin = book({"start": THREE, "location": "North Wing"})
    converted_in_margin = book({"hold_id": held["id"]})
    clock.set(expires_at + hold_expiry.HOLD_EXPIRY_MARGIN)
    offered_after = THREE in free_slots()
    after = book({"start": THREE, "location": "North Wing", "patient": {"id": "p-1"}})

    assert not offered_in_margin
    assert status_in_margin == "expired"  # for its holder the hold lapsed at expires_at
    assert (in_margin.status, in_margin.json()["type"]) == (409, "/problems/slot-held")
    assert (converted_in_margin.status, converted_in_margin.json()["type"]) == (409, "/problems/hold-expired")
    assert offered_after
    assert after.status == 201, after  # the patient's own expired hold no longer takes their time either


def test_a_conversion_racing_another_conversion_of_the_same_hold_answers_the_one_appointment(
    given_doctor: Callable[..., Doctor], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 3: the second conversion read the hold as `held`, then the first committed before its patient check
    (the request names no patient: the check is the patient's lock at the version the hold wrote, in the second's
    transaction, issue #23; so the first commits just before that write)."""
    always_open(given_doctor)
    held = hold(THREE).json()
    original = SchedulingStore.convert_hold
    looks: list[str] = []
    first: list[Answer] = []

    def after_the_other_conversion(self: SchedulingStore, *args: Any, **kwargs: Any) -> Appointment:
        looks.append("write")
        if len(looks) == 1:
            first.append(book({"hold_id": held["id"]}))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SchedulingStore, "convert_hold", after_the_other_conversion)
    second = book({"hold_id": held["id"]})

    assert (first[0].status, second.status) == (201, 201), (first[0], second)
    assert first[0].json() == second.json()
    assert [item["id"] for item in appointment_items()] == [second.json()["id"]]


def test_a_conversion_naming_the_patient_racing_another_conversion_answers_the_one_appointment(
    given_doctor: Callable[..., Doctor], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 3 where the request names the hold's patient (so the patient's time is looked at): the first
    conversion commits before the second's patient look, which must not find the first's appointment in its way."""
    always_open(given_doctor)
    held = hold(THREE).json()
    original = SchedulingStore.patient_lock
    looks: list[str] = []
    first: list[Answer] = []

    def after_the_other_conversion(self: SchedulingStore, patient_id: str) -> PatientLock:
        looks.append(patient_id)
        if len(looks) == 1:
            first.append(book({"hold_id": held["id"], "patient": {"id": "p-1"}}))
        return original(self, patient_id)

    monkeypatch.setattr(SchedulingStore, "patient_lock", after_the_other_conversion)
    second = book({"hold_id": held["id"], "patient": {"id": "p-1"}})

    assert (first[0].status, second.status) == (201, 201), (first[0], second)
    assert first[0].json() == second.json()
    assert [item["id"] for item in appointment_items()] == [second.json()["id"]]


def test_ttl_never_removes_a_holds_claim_or_patient_entry_before_its_margin_ends(
    given_doctor: Callable[..., Doctor], clock: Clock
) -> None:
    """DynamoDB TTL may delete an item any time after its `ttl` (the local sweep within 5 s): a claim or a
    patient entry removed inside the margin would let another writer take the hold's time early."""
    clock.set(T0 + timedelta(milliseconds=480))  # a fractional second, so rounding down would show
    always_open(given_doctor)
    held = hold(THREE).json()
    expires_at = datetime.fromisoformat(held["expires_at"])
    lasts_until = (expires_at + hold_expiry.HOLD_EXPIRY_MARGIN).timestamp()

    ttls = {
        item["kind"]["S"]: int(item["ttl"]["N"])
        for item in stored_items()
        if "ttl" in item and item.get("hold_id", item.get("id", {})).get("S") == held["id"]
    }

    assert set(ttls) == {"hold", "patient-hold", "hold-record"}
    assert all(ttl >= lasts_until for ttl in ttls.values()), (ttls, lasts_until)
