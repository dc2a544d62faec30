"""Every request body example of docs/openapi.json, sent over HTTP to the local runner on the real clock, answers
the operation's documented success status.

The examples are written for `EXAMPLES_AS_OF` (2035); each is moved to now by the rule the document states
(tests/support/openapi_examples.py: whole weeks, wall-clock time kept in the doctor's zone). Each example gets a
doctor of its own made from `DoctorIn`'s examples, then what it needs (a booking to cancel or reschedule, a series
to cancel, a hold to convert), ids being the ones the API issued; so examples that name the same slot do not
collide, and nothing depends on what the runner was seeded with. The examples book the same patient at the
same times: each test cancels what it booked, so the next finds the patient free."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.api.conftest import Api
from tests.support.openapi_examples import DOCUMENT, body_cases, example, moved, success, weeks_to

CASES = body_cases()
ZONE: str = example("DoctorIn")["timezone"]


class Examples:
    """The examples of one test, moved to now, sent for one doctor made from `DoctorIn`'s examples."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.weeks = weeks_to(datetime.now(UTC))
        created = self.send("POST", "/doctors", example("DoctorIn"))
        assert created.status_code == 201, created.text
        self.ids = {"doctor_id": created.json()["id"]}

    def send(self, method: str, path: str, body: Any) -> Any:
        for name, value in getattr(self, "ids", {}).items():
            path = path.replace("{" + name + "}", value)
        return self.api.request(method, path, json=moved(body, self.weeks, ZONE))

    def issued(self, path: str, schema: str, field: str = "id") -> str:
        """The id the API issues for `schema`'s first example posted to `path`."""
        answer = self.send("POST", path, example(schema))
        assert answer.status_code == 201, answer.text
        issued: str = answer.json()[field]
        return issued

    def cancel_every_booking(self) -> None:
        """Cancel what the example booked: its patient (the same in every example) is free again at those times."""
        doctor = f"/doctors/{self.ids['doctor_id']}"
        booked = self.api.get(f"{doctor}/appointments", params={"status": "booked", "limit": 100})
        assert booked.status_code == 200, booked.text
        for appointment in booked.json()["items"]:
            cancelled = self.api.post(f"{doctor}/appointments/{appointment['id']}/cancel")
            assert cancelled.status_code == 200, cancelled.text


@pytest.fixture
def examples(api: Api) -> Iterator[Examples]:
    examples = Examples(api)
    yield examples
    examples.cancel_every_booking()


def prepare(examples: Examples, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """What `path` needs before its example can succeed; the body, with an issued `hold_id` if it names one."""
    if "{appointment_id}" in path:
        examples.ids["appointment_id"] = examples.issued("/doctors/{doctor_id}/appointments", "BookingRequest")
    if "{series_id}" in path:
        examples.ids["series_id"] = examples.issued(
            "/doctors/{doctor_id}/appointments/series", "SeriesRequest", "series_id"
        )
    if "hold_id" in body:  # hold the example slot, then convert that hold
        return {**body, "hold_id": examples.issued("/doctors/{doctor_id}/holds", "HoldRequest")}
    return body


@pytest.mark.parametrize(("method", "path", "index", "body"), CASES)
def test_every_request_body_example_succeeds_moved_to_now(
    examples: Examples, method: str, path: str, index: int, body: dict[str, Any]
) -> None:
    body = prepare(examples, path, body)

    answer = examples.send(method, path, body)

    assert answer.status_code == success(DOCUMENT["paths"][path][method.lower()]), answer.text


def test_the_examples_as_written_are_refused_past_the_horizon(api: Api) -> None:
    """Why they must be moved: unmoved, the 2035 booking lies past the 90-day horizon of `DoctorIn`'s rules."""
    doctor = api.post("/doctors", json=example("DoctorIn"))
    assert doctor.status_code == 201, doctor.text

    booked = api.post(f"/doctors/{doctor.json()['id']}/appointments", json=example("BookingRequest"))

    assert booked.status_code == 422, booked.text
    assert booked.headers["Content-Type"] == "application/problem+json"


def test_a_patch_naming_an_unknown_field_is_422_as_the_document_says(api: Api) -> None:
    """DoctorPatch's `additionalProperties` is `{"type": "null"}`: an unknown member only as `null` (RFC 7396:
    remove what is not there, a no-op); with any value it is refused, naming the field, and nothing changes."""
    allowed = DOCUMENT["components"]["schemas"]["DoctorPatch"]["additionalProperties"]
    doctor = api.post("/doctors", json=example("DoctorIn"))
    assert doctor.status_code == 201, doctor.text
    path = f"/doctors/{doctor.json()['id']}"

    refused = {field: api.patch(path, json={field: "mine"}) for field in ["id", "colour"]}
    after_refusals = api.get(path)
    removed = api.patch(path, json={"colour": None})

    assert allowed == {"type": "null"}
    assert {field: answer.status_code for field, answer in refused.items()} == {"id": 422, "colour": 422}
    assert {answer.headers["Content-Type"] for answer in refused.values()} == {"application/problem+json"}
    assert {field: [e["path"] for e in answer.json()["errors"]] for field, answer in refused.items()} == {
        "id": ["id"],
        "colour": ["colour"],
    }
    assert after_refusals.json() == doctor.json()
    assert removed.status_code == 200, removed.text
