"""Free slots over HTTP: create a doctor, then see exactly the slots the rules publish, across a DST change."""

from __future__ import annotations

from tests.api.conftest import Api


def test_a_new_doctor_publishes_slots_across_the_new_york_spring_forward(api: Api) -> None:
    created = api.post(
        "/doctors",
        json={
            "name": "Night Shift",
            "locations": ["1 Hospital Way"],
            "timezone": "America/New_York",
            "slot_minutes": 60,
            "schedule": {"sunday": [{"start": "00:00", "end": "05:00"}]},
        },
    )
    assert created.status_code == 201
    doctor_id = created.json()["id"]

    answer = api.get(f"/doctors/{doctor_id}/slots", params={"from": "2035-03-11", "to": "2035-03-12"})

    assert answer.status_code == 200
    assert answer.json()["items"] == [
        {"start": "2035-03-11T00:00:00-05:00", "end": "2035-03-11T01:00:00-05:00", "locations": ["1 Hospital Way"]},
        {"start": "2035-03-11T01:00:00-05:00", "end": "2035-03-11T03:00:00-04:00", "locations": ["1 Hospital Way"]},
        {"start": "2035-03-11T03:00:00-04:00", "end": "2035-03-11T04:00:00-04:00", "locations": ["1 Hospital Way"]},
        {"start": "2035-03-11T04:00:00-04:00", "end": "2035-03-11T05:00:00-04:00", "locations": ["1 Hospital Way"]},
    ]


def test_date_overrides_are_created_and_changed_through_the_doctor(api: Api) -> None:
    doctor = {
        "name": "Holiday Hours",
        "locations": ["1 Hospital Way"],
        "timezone": "Europe/London",
        "slot_minutes": 60,
        "schedule": {"friday": [{"start": "09:00", "end": "12:00"}]},
        "overrides": {"2035-12-24": [{"start": "09:00", "end": "10:00"}]},
    }
    doctor_id = api.post("/doctors", json=doctor).json()["id"]
    window = {"from": "2035-12-24", "to": "2035-12-25"}

    before = api.get(f"/doctors/{doctor_id}/slots", params=window).json()["items"]
    api.request("PATCH", f"/doctors/{doctor_id}", json={"overrides": {"2035-12-24": []}})
    after = api.get(f"/doctors/{doctor_id}/slots", params=window).json()["items"]

    assert before == [
        {"start": "2035-12-24T09:00:00Z", "end": "2035-12-24T10:00:00Z", "locations": ["1 Hospital Way"]}
    ]  # London in winter is UTC
    assert after == []


def test_a_time_without_an_offset_is_422(api: Api) -> None:
    doctor_id = api.post("/doctors", json={"name": "A", "locations": ["B"]}).json()["id"]

    answer = api.get(f"/doctors/{doctor_id}/slots", params={"from": "2035-03-11T09:00:00"})

    assert answer.status_code == 422
    assert answer.json()["errors"][0]["path"] == "from"
