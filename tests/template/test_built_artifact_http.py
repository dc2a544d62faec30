"""Every route over HTTP against the local runner serving the *built* artifact (`--artifact`) on CPython 3.13.

The runner's workers put each function's built directory and its built layers first on the path, in Lambda's
order, and nothing from the source tree; the test's interpreter stands in for the runtime (its boto3).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from local.template import api_routes, load_template
from tests.api.conftest import own_runner

WEEK = {day: [{"start": "00:00", "end": "24:00"}] for day in ("monday", "tuesday", "wednesday", "thursday")}
WEEK |= {day: [{"start": "00:00", "end": "24:00"}] for day in ("friday", "saturday", "sunday")}
DOCTOR = {"name": "Built Artifact", "locations": ["1 Road"], "timezone": "UTC", "slot_minutes": 30, "schedule": WEEK}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.version_info[:2] != (3, 13), reason="the built layer holds CPython 3.13 wheels"),
]


def test_every_route_answers_from_the_built_artifact(artifact: Path, tmp_path: Path) -> None:
    build = artifact / "build"
    routes_seen: set[tuple[str, str]] = set()
    with own_runner(tmp_path, "--artifact", str(build), environment={"LOCAL_CONCURRENCY": "1"}) as runner:
        api = runner.api

        def call(method: str, route: str, path: str, expected: int, **kwargs: object) -> dict[str, object]:
            answer = api.request(method, path, **kwargs)
            assert answer.status_code == expected, (method, path, answer.status_code, answer.text[:500])
            routes_seen.add((method, route))
            return answer.json() if answer.content else {}

        doctor = call("POST", "/doctors", "/doctors", 201, json=DOCTOR)
        at = f"/doctors/{doctor['id']}"
        call("GET", "/doctors", "/doctors?limit=10", 200)
        call("GET", "/doctors/{doctor_id}", at, 200)
        call("PUT", "/doctors/{doctor_id}", at, 200, json=DOCTOR)
        call(
            "PATCH",
            "/doctors/{doctor_id}",
            at,
            200,
            data='{"name": "Built Artifact II"}',
            headers={"Content-Type": "application/merge-patch+json"},
        )
        slots = call("GET", "/doctors/{doctor_id}/slots", f"{at}/slots", 200)["items"]
        assert isinstance(slots, list)
        assert len(slots) >= 2
        first, second = (slot["start"] for slot in slots[:2])
        assert datetime.fromisoformat(first) > datetime.now(UTC)
        booked = call(
            "POST",
            "/doctors/{doctor_id}/appointments",
            f"{at}/appointments",
            201,
            json={"start": first, "location": "1 Road"},
        )
        one = f"{at}/appointments/{booked['id']}"
        call("GET", "/doctors/{doctor_id}/appointments", f"{at}/appointments", 200)
        call("GET", "/doctors/{doctor_id}/appointments/{appointment_id}", one, 200)
        moved = call(
            "POST",
            "/doctors/{doctor_id}/appointments/{appointment_id}/reschedule",
            f"{one}/reschedule",
            201,
            json={"start": second},
        )
        call(
            "POST",
            "/doctors/{doctor_id}/appointments/{appointment_id}/cancel",
            f"{at}/appointments/{moved['id']}/cancel",
            200,
            json={},
        )
        call("DELETE", "/doctors/{doctor_id}", at, 204)
        workers = runner.workers("AppointmentsFunction")

    assert routes_seen == {(route.method.upper(), route.path) for route in api_routes(load_template())}
    assert all(worker["sys_path"][0] == str(build / "AppointmentsFunction") for worker in workers)
