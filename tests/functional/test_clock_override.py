"""The clock reaches every request through one provider (`Depends(scheduling_clock)`), which a test replaces through
the resolver's `dependency_overrides`: here a fixed instant in 2035, which decides a hold's `expires_at`, whether a
slot lies within the booking horizon, and the FHIR Schedule's planning horizon. No monkeypatching."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from functions.appointments.app import app as appointments_app
from functions.appointments.app import lambda_handler as appointments
from functions.fhir.app import app as fhir_app
from functions.fhir.app import lambda_handler as fhir
from functions.holds.app import app as holds_app
from functions.holds.app import lambda_handler as holds
from scheduling.http.dependencies import scheduling_clock
from scheduling.models import Doctor
from scheduling.service import clock
from scheduling.service.clock import Clock
from tests.functional.conftest import invoke, stored_items
from tests.support.lambda_events import SAMPLE_DOCTOR_ID, Answer, event_with

pytestmark = pytest.mark.usefixtures("aws")

SLOT = "2035-06-04T09:30:00-04:00"  # a Monday: the sample doctor opens 09:00-12:00 and 13:00-17:00
T0 = datetime(2035, 6, 1, 12, tzinfo=UTC)  # SLOT is 3 days after T0, and years after today: past the 90-day horizon


@pytest.fixture
def doctor(given_doctor: Callable[..., Doctor]) -> Doctor:
    return given_doctor(SAMPLE_DOCTOR_ID, rules={"horizon_days": 90})


@pytest.fixture
def at_t0() -> Iterator[Callable[[APIGatewayRestResolver], None]]:
    """Overrides the clock provider of the resolvers it is given with one that always reads T0."""
    overridden: list[APIGatewayRestResolver] = []

    def override(app: APIGatewayRestResolver) -> None:
        fixed: Clock = lambda: T0  # noqa: E731
        app.dependency_overrides[scheduling_clock] = lambda: fixed
        overridden.append(app)

    yield override
    for app in overridden:
        app.dependency_overrides.clear()


def hold(ttl: int = 600) -> Answer:
    return invoke(
        holds, event_with("holds_create", body={"start": SLOT, "location": "123 Main St", "ttl_seconds": ttl})
    )


def book() -> Answer:
    return invoke(appointments, event_with("appointments_book", body={"start": SLOT, "location": "123 Main St"}))


def kinds_stored() -> list[str]:
    return sorted(
        item["kind"]["S"] for item in stored_items() if item.get("kind", {}).get("S") in {"hold", "appointment"}
    )


def test_a_hold_expires_ttl_seconds_after_the_overriding_clock(
    doctor: Doctor, at_t0: Callable[[APIGatewayRestResolver], None]
) -> None:
    at_t0(holds_app)

    answer = hold(ttl=600)

    assert answer.status == 201, answer
    assert (answer.json()["created_at"], answer.json()["expires_at"]) == (
        "2035-06-01T12:00:00Z",
        "2035-06-01T12:10:00Z",
    )
    read = invoke(
        holds, event_with("holds_get", path_parameters={"doctor_id": SAMPLE_DOCTOR_ID, "hold_id": answer.json()["id"]})
    )
    assert (read.status, read.json()["status"]) == (200, "held")  # still held at T0, although years have passed since
    assert kinds_stored() == ["hold"]


def test_the_booking_horizon_is_measured_from_the_overriding_clock(
    doctor: Doctor, at_t0: Callable[[APIGatewayRestResolver], None]
) -> None:
    refused = book()  # the real clock: 2035 is past the horizon
    assert refused.status == 422, refused
    assert kinds_stored() == []

    at_t0(appointments_app)
    booked = book()

    assert booked.status == 201, booked
    assert booked.json()["created_at"] == "2035-06-01T12:00:00Z"
    assert kinds_stored() == ["appointment"]


def test_the_fhir_schedule_s_planning_horizon_starts_at_the_overriding_clock(
    doctor: Doctor, at_t0: Callable[[APIGatewayRestResolver], None]
) -> None:
    at_t0(fhir_app)
    event = event_with("fhir_slots", query={})
    event["path"] = f"/fhir/R4/Schedule/{SAMPLE_DOCTOR_ID}"
    event["resource"], event["pathParameters"] = "/fhir/R4/Schedule/{doctor_id}", {"doctor_id": SAMPLE_DOCTOR_ID}

    answer = invoke(fhir, event)

    assert answer.status == 200, answer
    assert answer.json()["planningHorizon"] == {
        "start": "2035-06-01T08:00:00-04:00",
        "end": "2035-08-30T08:00:00-04:00",
    }


def test_the_override_lasts_for_the_request_only(
    doctor: Doctor, at_t0: Callable[[APIGatewayRestResolver], None]
) -> None:
    at_t0(holds_app)

    assert hold().status == 201
    assert clock.now() != T0  # the service reads the system's clock again outside the request
