"""The FHIR facade over HTTP: Slot searches, against the native API's slots for the same data."""

from __future__ import annotations

import json

from tests.api.conftest import WEEK, Api, new_doctor
from tests.api.fhir_calls import FHIR_DOCTOR, R4, all_pages
from tests.support.fhir import entries, fhir, link, path_of

# Slot


def test_slot_search_equals_the_native_slot_search_for_the_same_window(api: Api) -> None:
    doctor_id = new_doctor(api, FHIR_DOCTOR, schedule={day: [{"start": "08:00", "end": "12:00"}] for day in WEEK})
    native = api.get(f"/doctors/{doctor_id}/slots", params={"from": "2035-06-04", "to": "2035-06-06"}).json()["items"]

    slots = all_pages(
        api,
        f"{R4}/Slot",
        {"schedule": f"Schedule/{doctor_id}", "start": ["ge2035-06-04", "lt2035-06-06"], "_count": 5},
    )

    assert len(native) == 16
    assert [(slot["start"], slot["end"]) for slot in slots] == [(slot["start"], slot["end"]) for slot in native]
    assert {slot["status"] for slot in slots} == {"free"}
    assert {slot["schedule"]["reference"] for slot in slots} == {f"Schedule/{doctor_id}"}


def test_slot_paging_loses_nothing_when_a_slot_is_booked_between_pages(api: Api) -> None:
    doctor_id = new_doctor(api, FHIR_DOCTOR)
    params = {"schedule": f"Schedule/{doctor_id}", "start": ["ge2035-06-04", "lt2035-06-05"], "_count": 2}
    first = fhir(api.get(f"{R4}/Slot", params=params), 200, "Bundle")
    taken = api.post(
        f"/doctors/{doctor_id}/appointments", json={"start": "2035-06-04T09:00:00-04:00", "location": "1 North Wing"}
    )
    assert taken.status_code == 201

    rest = all_pages(api, path_of(str(link(first, "next"))))

    starts = [slot["start"] for slot in entries(first) + rest]
    assert starts == [
        "2035-06-04T09:00:00-04:00",
        "2035-06-04T09:30:00-04:00",
        "2035-06-04T10:00:00-04:00",
        "2035-06-04T10:30:00-04:00",
    ]


def test_busy_slots_are_the_booked_appointments(api: Api) -> None:
    doctor_id = new_doctor(api, FHIR_DOCTOR)
    api.post(
        f"/doctors/{doctor_id}/appointments", json={"start": "2035-06-04T10:00:00-04:00", "location": "1 North Wing"}
    )

    slots = all_pages(
        api,
        f"{R4}/Slot",
        {"schedule": f"Schedule/{doctor_id}", "start": ["ge2035-06-04", "lt2035-06-05"], "status": "free,busy"},
    )

    assert [(slot["start"], slot["status"]) for slot in slots] == [
        ("2035-06-04T09:00:00-04:00", "free"),
        ("2035-06-04T09:30:00-04:00", "free"),
        ("2035-06-04T10:00:00-04:00", "busy"),
        ("2035-06-04T10:30:00-04:00", "free"),
    ]


def test_held_slots_are_busy_tentative_and_say_nothing_of_the_hold(api: Api) -> None:
    doctor_id = new_doctor(api, FHIR_DOCTOR)
    hold = api.post(
        f"/doctors/{doctor_id}/holds",
        json={"start": "2035-06-04T09:30:00-04:00", "location": "1 North Wing", "patient": {"id": "p-tentative"}},
    )
    assert hold.status_code == 201, hold.text
    api.post(
        f"/doctors/{doctor_id}/appointments", json={"start": "2035-06-04T10:00:00-04:00", "location": "1 North Wing"}
    )
    window = {"schedule": f"Schedule/{doctor_id}", "start": ["ge2035-06-04", "lt2035-06-05"]}

    every = all_pages(api, f"{R4}/Slot", {**window, "status": "free,busy,busy-tentative"})
    tentative = all_pages(api, f"{R4}/Slot", {**window, "status": "busy-tentative"})

    assert [(slot["start"], slot["status"]) for slot in every] == [
        ("2035-06-04T09:00:00-04:00", "free"),
        ("2035-06-04T09:30:00-04:00", "busy-tentative"),
        ("2035-06-04T10:00:00-04:00", "busy"),
        ("2035-06-04T10:30:00-04:00", "free"),
    ]
    assert [slot["status"] for slot in tentative] == ["busy-tentative"]
    assert hold.json()["id"] not in json.dumps(tentative)
    assert "p-tentative" not in json.dumps(tentative)
