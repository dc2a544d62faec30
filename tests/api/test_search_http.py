"""The search across doctors over real HTTP: on random schedules with bookings and holds, GET /slots paged to the
end equals the union of the matching doctors' own free slots, sorted; and what a booking between pages does."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

import pytest

from tests.api.conftest import Api
from tests.support.random_doctors import PLACES, SPECIALTIES, normal, random_doctor
from tests.support.slot_pages import SearchRow, every_page

WINDOW = {"from": "2035-03-05T00:00:00Z", "to": "2035-03-19T00:00:00Z"}  # spans the US spring-forward


def found_by_search(api: Api, query: dict[str, Any]) -> list[SearchRow]:
    def page_after(token: dict[str, str]) -> dict[str, Any]:
        answer = api.get("/slots", params={**query, **token})
        assert answer.status_code == 200, answer.text
        page: dict[str, Any] = answer.json()
        return page

    return every_page(page_after)


def own_free_slots(api: Api, doctor_id: str) -> list[dict[str, Any]]:
    answer = api.get(f"/doctors/{doctor_id}/slots", params=WINDOW)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


@pytest.mark.parametrize("seed", [101, 202])
def test_the_search_equals_the_union_of_per_doctor_searches_over_http(api: Api, seed: int) -> None:
    rng = random.Random(seed)
    # a specialty no other test uses keeps this run's doctors apart from the rest of the shared runner
    own_specialty = f"seed-{seed}-{datetime.now().timestamp():.0f}"
    created = []
    for n in range(5):
        body = random_doctor(rng, n)
        body["specialties"] = [*body["specialties"], own_specialty]
        answer = api.post("/doctors", json=body)
        assert answer.status_code == 201, answer.text
        created.append(answer.json())
    for doctor in created:
        free = own_free_slots(api, doctor["id"])
        for slot in rng.sample(free, min(len(free), 3)):
            kind = "appointments" if rng.random() < 0.7 else "holds"
            taken = api.post(
                f"/doctors/{doctor['id']}/{kind}", json={"start": slot["start"], "location": slot["locations"][0]}
            )
            assert taken.status_code == 201, taken.text
    location = rng.choice(PLACES)
    also = rng.choice([None, *SPECIALTIES])

    found = found_by_search(api, {"location": location, "specialty": own_specialty, **WINDOW, "limit": 5})

    expected = sorted(
        (datetime.fromisoformat(slot["start"]), doctor["id"], slot["end"], slot["locations"])
        for doctor in created
        for slot in own_free_slots(api, doctor["id"])
        if normal(location) in {normal(place) for place in slot["locations"]}
    )
    assert found == expected
    assert expected, "the seed should produce something to find"
    if also is not None:  # narrowing by another specialty gives the matching doctors' part of it (tags intersect)
        narrowed = found_by_search(api, {"location": location, "specialty": also, **WINDOW, "limit": 200})
        ours = {doctor["id"] for doctor in created if normal(also) in {normal(s) for s in doctor["specialties"]}}
        assert [item for item in narrowed if item[1] in ours] == [item for item in expected if item[1] in ours]


def test_a_slot_booked_between_pages_is_not_answered_later_and_nothing_repeats(api: Api) -> None:
    place = f"Ward {datetime.now().timestamp()}"
    hours = {"monday": [{"start": "09:00", "end": "12:00"}]}
    ids = sorted(
        api.post("/doctors", json={"name": f"D{n}", "locations": [place], "schedule": hours}).json()["id"]
        for n in range(2)
    )
    query = {"location": place, "from": "2035-06-04T00:00:00Z", "to": "2035-06-05T00:00:00Z", "limit": 3}
    first = api.get("/slots", params=query).json()
    booked = api.post(f"/doctors/{ids[1]}/appointments", json={"start": "2035-06-04T10:30:00Z", "location": place})
    assert booked.status_code == 201, booked.text

    rest = found_by_search(api, {**query, "limit": 200, "next_token": first["next_token"]})

    answered = [(item["start"], item["doctor_id"]) for item in first["items"]] + [
        (start.isoformat().replace("+00:00", "Z"), doctor) for start, doctor, _, _ in rest
    ]
    assert len(answered) == len(set(answered)) == 12 - 1
    assert ("2035-06-04T10:30:00Z", ids[1]) not in answered
