"""Doctors over real HTTP against the local runner: the flows a newcomer tries with curl."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from tests.api.conftest import Api

HOUSE: dict[str, Any] = {
    "name": "Gregory House",
    "locations": ["123 Main St", "456 Central St"],
    "timezone": "America/New_York",
    "slot_minutes": 30,
    "schedule": {"monday": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]},
}


def test_create_read_replace_patch_list_delete(api: Api) -> None:
    created = api.post("/doctors", json=HOUSE)
    assert created.status_code == 201, created.text
    doctor_id = created.json()["id"]
    assert created.headers["Location"] == f"/doctors/{doctor_id}"

    read = api.get(f"/doctors/{doctor_id}")
    assert read.status_code == 200
    assert read.json() == created.json()

    replaced = api.request("PUT", f"/doctors/{doctor_id}", json={**HOUSE, "name": "Greg House"})
    assert replaced.status_code == 200
    assert replaced.json()["name"] == "Greg House"

    patched = api.request(
        "PATCH",
        f"/doctors/{doctor_id}",
        data='{"slot_minutes": 60}',
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["name"], patched.json()["slot_minutes"]) == ("Greg House", 60)

    listed_ids, token = [], None  # every page: the runner is shared with other files' doctors
    while True:
        listed = api.get("/doctors", params={"limit": 100, **({"next_token": token} if token else {})})
        assert listed.status_code == 200, listed.text
        listed_ids += [doctor["id"] for doctor in listed.json()["items"]]
        if (token := listed.json()["next_token"]) is None:
            break
    assert doctor_id in listed_ids

    assert api.request("DELETE", f"/doctors/{doctor_id}").status_code == 204
    gone = api.get(f"/doctors/{doctor_id}")
    assert gone.status_code == 404
    assert gone.headers["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(("method", "path"), [("GET", "/nowhere"), ("DELETE", "/doctors"), ("POST", "/doctors/abc")])
def test_unknown_routes_and_methods_are_what_api_gateway_answers(api: Api, method: str, path: str) -> None:
    """An IAM-auth REST API answers an unknown route or method 403 MISSING_AUTHENTICATION_TOKEN, through the
    template's gateway response, whose body must be a problem document."""
    answer = api.request(method, path)

    assert answer.status_code == 403
    assert answer.headers["Content-Type"] == "application/problem+json"
    problem = answer.json()
    assert problem["status"] == 403
    assert problem["code"] == "MISSING_AUTHENTICATION_TOKEN"
    assert problem["detail"] == "Missing Authentication Token"


def test_malformed_json_is_400_and_invalid_fields_422(api: Api) -> None:
    malformed = api.post("/doctors", data="{", headers={"Content-Type": "application/json"})
    invalid = api.post("/doctors", json={**HOUSE, "schedule": {"monday": [{"start": "10:00", "end": "09:00"}]}})

    assert malformed.status_code == 400
    assert invalid.status_code == 422
    assert invalid.json()["errors"] == [{"path": "schedule.monday[0].end", "message": "must be after start 10:00"}]


def test_the_runner_serves_the_openapi_document_and_an_offline_swagger_ui(api: Api) -> None:
    document = api.get("/openapi.json")
    page = api.get("/docs")

    assert document.status_code == 200
    assert document.json()["openapi"].startswith("3.1")
    assert "/doctors/{doctor_id}/appointments" in document.json()["paths"]
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "SwaggerUIBundle" in page.text
    assert "<script src=" not in page.text  # scripts are inlined, nothing is fetched from a CDN
    assert api.get("/docs", params={"format": "json"}).json() == document.json()  # the link the page shows


@pytest.mark.serial  # concurrent requests: alone, so the race is the test's own
def test_concurrent_updates_with_the_same_etag_have_exactly_one_winner(api: Api) -> None:
    created = api.post("/doctors", json=HOUSE)
    doctor_id, etag = created.json()["id"], created.headers["ETag"]
    url = f"{api.base_url}/doctors/{doctor_id}"
    gate = threading.Barrier(10)

    def update(n: int) -> requests.Response:
        gate.wait()
        return requests.put(url, json={**HOUSE, "name": f"Writer {n}"}, headers={"If-Match": etag}, timeout=60)

    for round_number in range(5):
        with ThreadPoolExecutor(max_workers=10) as pool:
            answers = list(pool.map(update, range(10)))
        statuses = Counter(answer.status_code for answer in answers)
        assert statuses == {200: 1, 412: 9}, (round_number, statuses)
        [winner] = [answer for answer in answers if answer.status_code == 200]
        assert api.get(f"/doctors/{doctor_id}").json()["name"] == winner.json()["name"]
        etag = winner.headers["ETag"]
