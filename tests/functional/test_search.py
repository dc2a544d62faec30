"""Search across doctors (GET /slots) and the specialties and search tags behind it, in-process against moto.

The referee for the search is the per-doctor search: on random schedules (seeded, so a failure replays), the
answer paged to the end equals the union of each matching doctor's free slots there, sorted.
"""

from __future__ import annotations

import base64
import json
import random
from datetime import datetime
from typing import Any

import boto3
import pytest

from functions.appointments.app import lambda_handler as appointments
from functions.availability.app import lambda_handler as availability
from functions.doctors.app import lambda_handler as doctors
from functions.holds.app import lambda_handler as holds
from scheduling.domain.tags import doctor_tags
from scheduling.models import DoctorIn
from scheduling.store.keys import tag_key_part
from tests.functional.conftest import TABLES, invoke
from tests.support.lambda_events import event_with
from tests.support.random_doctors import PLACES, SPECIALTIES, normal, random_doctor
from tests.support.slot_pages import SearchRow, every_page

pytestmark = pytest.mark.usefixtures("aws")

WINDOW = {"from": "2035-03-05T00:00:00Z", "to": "2035-03-19T00:00:00Z"}  # spans the US spring-forward


def create(body: dict[str, Any]) -> dict[str, Any]:
    answer = invoke(doctors, event_with("doctors_create", body=body))
    assert answer.status == 201, answer
    created: dict[str, Any] = answer.json()
    return created


def search(**query: str) -> Any:
    return invoke(availability, event_with("slots_search", query=query))


def search_all(**query: str) -> list[SearchRow]:
    """Every page, in order, as (start instant, doctor id, end text, locations)."""

    def page_after(token: dict[str, str]) -> dict[str, Any]:
        answer = search(**query, **token)
        assert answer.status == 200, answer
        page: dict[str, Any] = answer.json()
        return page

    return every_page(page_after)


def per_doctor(doctor_id: str, window: dict[str, str]) -> list[dict[str, Any]]:
    answer = invoke(availability, event_with("slots_list", path_parameters={"doctor_id": doctor_id}, query=window))
    assert answer.status == 200, answer
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def book(doctor_id: str, start: str, location: str, patient: str | None = None) -> Any:
    body: dict[str, Any] = {"start": start, "location": location}
    if patient:
        body["patient"] = {"id": patient}
    return invoke(appointments, event_with("appointments_book", path_parameters={"doctor_id": doctor_id}, body=body))


def hold(doctor_id: str, start: str, location: str) -> Any:
    body = {"start": start, "location": location}
    return invoke(holds, event_with("holds_create", path_parameters={"doctor_id": doctor_id}, body=body))


@pytest.mark.parametrize("seed", range(6))
def test_the_search_equals_the_union_of_the_per_doctor_searches(seed: int) -> None:
    rng = random.Random(seed)  # reproducible test data
    created = [create(random_doctor(rng, n)) for n in range(6)]
    for doctor in created:  # book and hold some of each doctor's free slots
        free = per_doctor(doctor["id"], WINDOW)
        for slot in rng.sample(free, min(len(free), 4)):
            taker = book if rng.random() < 0.7 else hold
            assert taker(doctor["id"], slot["start"], slot["locations"][0]).status == 201
    location, specialty = rng.choice(PLACES), rng.choice([None, *SPECIALTIES])
    query = {"location": location.upper(), **WINDOW, "limit": str(rng.choice([1, 3, 7, 50]))}
    if specialty:
        query["specialty"] = specialty.lower()

    found = search_all(**query)

    expected = sorted(
        (datetime.fromisoformat(slot["start"]), doctor["id"], slot["end"], slot["locations"])
        for doctor in created
        if specialty is None or normal(specialty) in {normal(own) for own in doctor["specialties"]}
        for slot in per_doctor(doctor["id"], WINDOW)
        if normal(location) in {normal(place) for place in slot["locations"]}
    )
    assert found == expected  # same slots, same offsets and locations, ascending, nothing lost or repeated
    assert expected, "the seed should produce something to find"


def test_items_name_the_doctor_and_the_slot_in_the_doctors_zone() -> None:
    doctor = create(
        {
            "name": "Dr Who",
            "locations": ["North Wing"],
            "specialties": ["cardiology"],
            "timezone": "America/New_York",
            "schedule": {"monday": [{"start": "09:00", "end": "10:00"}]},
        }
    )

    answer = search(location="north wing", specialty="CARDIOLOGY", **{"from": "2035-06-04T00:00:00Z"})

    assert answer.status == 200, answer
    assert answer.json() == {
        "items": [
            {
                "doctor_id": doctor["id"],
                "doctor_name": "Dr Who",
                "start": f"2035-06-04T09:{minute}:00-04:00",
                "end": f"2035-06-04T{end}:00-04:00",
                "locations": ["North Wing"],
            }
            for minute, end in (("00", "09:30"), ("30", "10:00"))
        ],
        "next_token": None,
    }


def test_a_session_held_elsewhere_is_not_found_at_the_location() -> None:
    create(
        {
            "name": "Two places",
            "locations": ["North Wing", "South Wing"],
            "schedule": {
                "monday": [{"start": "09:00", "end": "10:00", "locations": ["South Wing"]}],
                "tuesday": [{"start": "09:00", "end": "09:30"}],
            },
        }
    )

    found = search_all(location="North Wing", **{"from": "2035-06-04T00:00:00Z"})

    assert [item[0].isoformat() for item in found] == ["2035-06-05T09:00:00+00:00"]


def test_pages_continue_without_loss_or_repeat_across_doctors_at_the_same_instant() -> None:
    ids = sorted(
        create({"name": f"D{n}", "locations": ["A"], "schedule": {"monday": [{"start": "09:00", "end": "11:00"}]}})[
            "id"
        ]
        for n in range(3)
    )
    whole = search_all(location="A", **{"from": "2035-06-04T00:00:00Z"}, limit="200")
    paged = search_all(location="A", **{"from": "2035-06-04T00:00:00Z"}, limit="2")

    assert paged == whole
    assert [(start.hour, start.minute, doctor) for start, doctor, _, _ in whole] == [
        (hour, minute, doctor) for hour, minute in ((9, 0), (9, 30), (10, 0), (10, 30)) for doctor in ids
    ]


def test_booked_and_held_slots_and_full_days_are_not_found() -> None:
    doctor = create(
        {
            "name": "Capped",
            "locations": ["A"],
            "rules": {"max_per_day": 2},
            "schedule": {
                "monday": [{"start": "09:00", "end": "11:00"}],
                "tuesday": [{"start": "09:00", "end": "11:00"}],
            },
        }
    )
    assert book(doctor["id"], "2035-06-04T09:00:00Z", "A").status == 201
    assert hold(doctor["id"], "2035-06-04T10:00:00Z", "A").status == 201  # the day is full: 1 booked + 1 held
    assert book(doctor["id"], "2035-06-05T09:30:00Z", "A").status == 201

    found = search_all(location="a", **{"from": "2035-06-04T00:00:00Z", "to": "2035-06-06T00:00:00Z"})

    assert [start.isoformat() for start, *_ in found] == [
        "2035-06-05T09:00:00+00:00",
        "2035-06-05T10:00:00+00:00",
        "2035-06-05T10:30:00+00:00",
    ]


def test_a_clinic_booked_solid_in_its_first_hours_is_searched_over_several_rounds() -> None:
    """Every doctor's first day booked solid (the capped doctors' by three bookings) and the next day's first slot:
    the first rounds find nothing free, later rounds judge the doctors already read from what they read (a day
    ahead) and Query only the others; the first page and the whole answer still equal the union of the
    per-doctor searches."""
    window = {"from": "2035-06-04T00:00:00Z", "to": "2035-06-07T00:00:00Z"}
    hours = [{"start": "09:00", "end": "12:00"}]
    created = []
    for n in range(12):
        body: dict[str, Any] = {
            "name": f"Busy {n}",
            "locations": ["A"],
            "schedule": {"monday": hours, "tuesday": hours, "wednesday": hours},
        }
        if n % 3 == 0:
            body["rules"] = {"max_per_day": 3}  # three bookings fill the day: its later slots are not free
        created.append(create(body))
    for n, doctor in enumerate(created):
        first_day = ["09:00", "09:30", "10:00"] + ([] if n % 3 == 0 else ["10:30", "11:00", "11:30"])
        for start in [f"2035-06-04T{time}:00Z" for time in first_day] + ["2035-06-05T09:00:00Z"]:
            assert book(doctor["id"], start, "A").status == 201
    expected = sorted(
        (datetime.fromisoformat(slot["start"]), doctor["id"], slot["end"], slot["locations"])
        for doctor in created
        for slot in per_doctor(doctor["id"], window)
    )
    first = search(location="A", **window, limit="5")

    assert first.status == 200
    assert [(item["start"], item["doctor_id"]) for item in first.json()["items"]] == [
        (start.isoformat().replace("+00:00", "Z"), doctor_id) for start, doctor_id, _, _ in expected[:5]
    ]
    assert search_all(location="A", **window, limit="7") == expected
    capped = {doctor["id"] for n, doctor in enumerate(created) if n % 3 == 0}
    assert all(start.day != 4 for start, doctor_id, _, _ in expected if doctor_id in capped)  # day 1 full
    assert expected[0][0] == datetime.fromisoformat("2035-06-05T09:30:00Z")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "location"),
        ({"location": "A", "from": "2035-06-04"}, "from"),
        ({"location": "A", "from": "2035-06-04T00:00:00Z", "to": "2035-07-06T00:00:00Z"}, "to"),
        ({"location": "A", "from": "2035-06-04T00:00:00Z", "to": "2035-06-04T00:00:00Z"}, "to"),
        ({"location": "A", "limit": "201"}, "limit"),
        ({"location": "A", "limit": "0"}, "limit"),
        ({"location": "A", "next_token": "bm90IGEgdG9rZW4"}, "next_token"),
        ({"location": ""}, "location"),
        ({"location": "   "}, "location"),
        ({"location": "A", "specialty": "\t"}, "specialty"),
        ({"location": "A", "limit": "1.0"}, "limit"),
        ({"location": "A", "limit": "+5"}, "limit"),
    ],
)
def test_bad_queries_are_problems_that_name_the_parameter(query: dict[str, str], field: str) -> None:
    answer = invoke(availability, event_with("slots_search", query=query))

    assert 400 <= answer.status < 500, answer
    assert answer.headers["content-type"] == "application/problem+json"
    assert field in json.dumps(answer.json())


def test_a_token_is_only_good_for_the_search_that_issued_it() -> None:
    for n in range(2):
        create({"name": f"D{n}", "locations": ["A", "B"], "schedule": {"monday": [{"start": "09:00", "end": "10:00"}]}})
    first = search(location="A", limit="1", **{"from": "2035-06-04T00:00:00Z"}).json()

    elsewhere = search(location="B", limit="1", next_token=first["next_token"], **{"from": "2035-06-04T00:00:00Z"})

    assert elsewhere.status == 422, elsewhere  # as a stale token of any other list
    assert "next_token" in json.dumps(elsewhere.json())


def edited(token: str, position: int, value: str) -> str:
    fields = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    fields[position] = value
    return base64.urlsafe_b64encode(json.dumps(fields).encode()).decode().rstrip("=")


def test_an_edited_token_cannot_stretch_the_window_past_31_days() -> None:
    """Found by the outside tester: the window's end was in the token unchecked, and a search to the year 8999
    ran past the function's timeout. An edit is refused by the digest; the digest is no secret, so a token with
    a recomputed digest is still held to a window a first page could have had (at most 31 days)."""
    create({"name": "D", "locations": ["A"], "schedule": {"monday": [{"start": "09:00", "end": "11:00"}]}})
    query = {"location": "A", "from": "2035-06-04T00:00:00Z", "to": "2035-06-05T00:00:00Z", "limit": "1"}
    token = search(**query).json()["next_token"]

    for end in ("8999-12-31T00:00:00Z", "2035-07-06T00:00:00Z"):
        stretched = edited(token, 1, end)
        fields = json.loads(base64.urlsafe_b64decode(stretched + "=" * (-len(stretched) % 4)))[:4]
        resigned = edited(stretched, 4, _digest(query, fields))
        assert search(**query, next_token=stretched).status == 422
        assert search(**query, next_token=resigned).status == 422


def _digest(query: dict[str, str], fields: list[str]) -> str:
    from scheduling.service.availability import SlotSearch
    from scheduling.service.slot_cursor import _digest as digest

    start, end = (datetime.fromisoformat(query[name]) for name in ("from", "to"))
    return digest(SlotSearch(query["location"], None, start, end, 1, None).key, fields)


def test_a_token_survives_another_spelling_of_the_same_location() -> None:
    for n in range(2):
        create(
            {"name": f"D{n}", "locations": ["North Wing"], "schedule": {"monday": [{"start": "09:00", "end": "09:30"}]}}
        )
    first = search(location="North Wing", limit="1", **{"from": "2035-06-04T00:00:00Z"}).json()

    rest = search(location="north  WING", limit="1", next_token=first["next_token"], **{"from": "2035-06-04T00:00:00Z"})

    assert rest.status == 200, rest
    assert [item["doctor_id"] for item in rest.json()["items"]] != [item["doctor_id"] for item in first["items"]]


# Specialties, and the search tags kept in step with the profile


def stored_tags() -> dict[str, set[str]]:
    """Per doctor partition, the tag keys stored."""
    items = boto3.client("dynamodb").scan(TableName=TABLES["SchedulingTable"])["Items"]
    tags: dict[str, set[str]] = {}
    for item in items:
        if item["SK"]["S"].startswith("TAG#"):
            assert item["GSI1PK"] == item["SK"]
            assert item["GSI1SK"]["S"] == item["PK"]["S"].removeprefix("DOCTOR#")
            tags.setdefault(item["PK"]["S"].removeprefix("DOCTOR#"), set()).add(item["SK"]["S"])
    return tags


def expected_tags(doctor: dict[str, Any]) -> set[str]:
    fields = {name: doctor[name] for name in DoctorIn.model_fields if name in doctor}
    return {tag_key_part(tag) for tag in doctor_tags(DoctorIn.model_validate(fields))}


def test_tags_follow_every_doctor_write_and_leave_nothing_behind() -> None:
    doctor = create({"name": "Tagged", "locations": ["A", "B"], "specialties": ["ent"]})
    on_doctor = {"doctor_id": doctor["id"]}
    assert stored_tags() == {doctor["id"]: expected_tags(doctor)}

    patch = invoke(
        doctors,
        event_with("doctors_patch", path_parameters=on_doctor, body={"specialties": ["ENT", "cardiology"]}),
    )
    assert patch.status == 200, patch
    assert stored_tags() == {doctor["id"]: expected_tags(patch.json())}
    assert search(specialty="cardiology", **{"from": "2035-06-04T00:00:00Z"}).status == 200

    replaced = invoke(
        doctors, event_with("doctors_replace", path_parameters=on_doctor, body={"name": "Tagged", "locations": ["C"]})
    )
    assert replaced.status == 200, replaced
    assert stored_tags() == {doctor["id"]: expected_tags(replaced.json())}

    assert invoke(doctors, event_with("doctors_delete", path_parameters=on_doctor)).status == 204
    assert stored_tags() == {}


def test_a_doctor_no_longer_at_a_location_is_not_found_there() -> None:
    doctor = create({"name": "Moves", "locations": ["A"], "schedule": {"monday": [{"start": "09:00", "end": "10:00"}]}})
    patch = {"locations": ["B"]}
    assert (
        invoke(doctors, event_with("doctors_patch", path_parameters={"doctor_id": doctor["id"]}, body=patch)).status
        == 200
    )

    assert search_all(location="A", **{"from": "2035-06-04T00:00:00Z"}) == []
    assert len(search_all(location="B", **{"from": "2035-06-04T00:00:00Z"})) == 2


@pytest.mark.parametrize(
    "specialties",
    [
        ["x"] * 2,
        ["Cardiology", "cardiology"],
        [f"s{n}" for n in range(21)],
        ["-leading-hyphen"],
        ["a" * 65],
        [""],
        ["new\nline"],
        "cardiology",
    ],
)
def test_bad_specialties_are_refused(specialties: Any) -> None:
    answer = invoke(
        doctors, event_with("doctors_create", body={"name": "X", "locations": ["A"], "specialties": specialties})
    )

    assert answer.status == 422, answer  # like every other invalid field
    assert answer.json()["errors"][0]["path"].startswith("specialties")


# The bookable summaries the tag items carry, kept in step with the profile


def tag_items() -> list[dict[str, Any]]:
    items = boto3.client("dynamodb").scan(TableName=TABLES["SchedulingTable"])["Items"]
    return [item for item in items if item["SK"]["S"].startswith("TAG#")]


def found_as_per_doctor(doctor: dict[str, Any], location: str) -> None:
    """The search at `location` answers exactly the doctor's own free slots there, under its current name."""
    window = {"from": "2035-06-04T00:00:00Z", "to": "2035-06-18T00:00:00Z"}
    pages = search_all(location=location, **window)
    expected = sorted(
        (datetime.fromisoformat(slot["start"]), doctor["id"], slot["end"], slot["locations"])
        for slot in per_doctor(doctor["id"], window)
        if location in slot["locations"]
    )
    assert pages == expected
    names = {item["doctor_name"] for item in search(location=location, **window).json()["items"]}
    assert names <= {doctor["name"]}


def test_every_tag_item_carries_the_summary_of_the_doctor_as_written() -> None:
    monday = {"monday": [{"start": "09:00", "end": "10:00"}]}
    doctor = create({"name": "Summed", "locations": ["A"], "specialties": ["ent"], "schedule": monday})
    on_doctor = {"doctor_id": doctor["id"]}
    assert {item["bookable"]["S"] for item in tag_items()} != set()
    found_as_per_doctor(doctor, "A")

    for body in (
        {"schedule": {"monday": [{"start": "09:00", "end": "11:00"}]}},  # hours: the fence moves
        {"name": "Renamed"},  # only the name: the tags stay, their summaries change
        {"overrides": {"2035-06-11": []}, "rules": {"buffer_minutes": 15}},
        {"slot_minutes": 20},
    ):
        answer = invoke(doctors, event_with("doctors_patch", path_parameters=on_doctor, body=body))
        assert answer.status == 200, answer
        doctor = answer.json()
        found_as_per_doctor(doctor, "A")
        assert len({item["bookable"]["S"] for item in tag_items()}) == 1  # both tags tell the same

    replaced = invoke(
        doctors,
        event_with("doctors_replace", path_parameters=on_doctor, body={"name": "Again", "locations": ["A"]}),
    )
    assert replaced.status == 200, replaced
    found_as_per_doctor(replaced.json(), "A")


def test_a_doctor_whose_tags_carry_no_summary_is_found_from_its_profile() -> None:
    """Tag items written before summaries existed (or whose summary was too big to carry): the search reads the
    profile instead, and answers the same."""
    monday = {"monday": [{"start": "09:00", "end": "10:00"}]}
    with_summary = create({"name": "New", "locations": ["A"], "schedule": monday})
    without = create({"name": "Old", "locations": ["A"], "schedule": {"monday": [{"start": "09:30", "end": "11:00"}]}})
    client = boto3.client("dynamodb")
    for item in tag_items():
        if item["GSI1SK"]["S"] == without["id"]:
            client.put_item(
                TableName=TABLES["SchedulingTable"], Item={k: v for k, v in item.items() if k != "bookable"}
            )

    found = search_all(location="A", **{"from": "2035-06-04T00:00:00Z", "to": "2035-06-18T00:00:00Z"})

    assert {doctor_id for _, doctor_id, _, _ in found} == {with_summary["id"], without["id"]}
    assert len(found) == 2 * 2 + 2 * 3  # two Mondays: 2 slots of one, 3 of the other
