"""Every route over HTTP against the local runner serving the *built* artifact (`--artifact`) on CPython 3.13.

The runner's workers put each function's built directory and its built layers first on the path, in Lambda's
order, and nothing from the source tree; the test's interpreter stands in for the runtime (its boto3).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from local.template import api_routes, load_template
from tests.api.conftest import own_runner

WEEK = {day: [{"start": "00:00", "end": "24:00"}] for day in ("monday", "tuesday", "wednesday", "thursday")}
WEEK |= {day: [{"start": "00:00", "end": "24:00"}] for day in ("friday", "saturday", "sunday")}
DOCTOR = {"name": "Built Artifact", "locations": ["1 Road"], "timezone": "UTC", "slot_minutes": 30, "schedule": WEEK}

pytestmark = [
    pytest.mark.skipif(sys.version_info[:2] != (3, 13), reason="the built layer holds CPython 3.13 wheels"),
]


def test_every_route_answers_from_the_built_artifact(artifact: Path, tmp_path: Path) -> None:
    build = artifact / "build"
    routes_seen: set[tuple[str, str]] = set()
    with own_runner(tmp_path, "--artifact", str(build), environment={"LOCAL_CONCURRENCY": "1"}) as runner:
        api = runner.api

        def call(method: str, route: str, path: str, expected: set[int], **kwargs: Any) -> dict[str, Any]:
            """The route's answer; a 409 must be the function's own problem (a refused transition)."""
            answer = api.request(method, path, **kwargs)
            assert answer.status_code in expected, (method, path, answer.status_code, answer.text[:500])
            routes_seen.add((method, route))
            found: dict[str, Any] = answer.json() if answer.content else {}
            if answer.status_code == 409:
                assert found["status"] == 409
                assert found["type"]
            return found

        doctor = call("POST", "/doctors", "/doctors", {201}, json=DOCTOR)
        at = f"/doctors/{doctor['id']}"
        call("GET", "/doctors", "/doctors?limit=10", {200})
        call("GET", "/doctors/{doctor_id}", at, {200})
        call("PUT", "/doctors/{doctor_id}", at, {200}, json=DOCTOR)
        patch = '{"name": "Built Artifact II"}'
        merge_patch = {"Content-Type": "application/merge-patch+json"}
        call("PATCH", "/doctors/{doctor_id}", at, {200}, data=patch, headers=merge_patch)
        slots = [slot["start"] for slot in call("GET", "/doctors/{doctor_id}/slots", f"{at}/slots", {200})["items"]]
        assert len(slots) >= 7
        assert datetime.fromisoformat(slots[0]) > datetime.now(UTC)

        def book(start: str) -> str:
            booking = {"start": start, "location": "1 Road"}
            return str(
                call("POST", "/doctors/{doctor_id}/appointments", f"{at}/appointments", {201}, json=booking)["id"]
            )

        one = f"{at}/appointments/{book(slots[0])}"
        call("GET", "/doctors/{doctor_id}/appointments", f"{at}/appointments", {200})
        call("GET", "/doctors/{doctor_id}/appointments/{appointment_id}", one, {200})
        moved = call(
            "POST",
            "/doctors/{doctor_id}/appointments/{appointment_id}/reschedule",
            f"{one}/reschedule",
            {201},
            json={"start": slots[1]},
        )
        cancel = f"{at}/appointments/{moved['id']}/cancel"
        call("POST", "/doctors/{doctor_id}/appointments/{appointment_id}/cancel", cancel, {200}, json={})
        visit = f"{at}/appointments/{book(slots[2])}"
        call("POST", "/doctors/{doctor_id}/appointments/{appointment_id}/check-in", f"{visit}/check-in", {200, 409})
        call("POST", "/doctors/{doctor_id}/appointments/{appointment_id}/complete", f"{visit}/complete", {200, 409})
        missed = f"{at}/appointments/{book(slots[3])}"
        call("POST", "/doctors/{doctor_id}/appointments/{appointment_id}/no-show", f"{missed}/no-show", {200, 409})
        hold = call(
            "POST", "/doctors/{doctor_id}/holds", f"{at}/holds", {201}, json={"start": slots[4], "location": "1 Road"}
        )
        call("GET", "/doctors/{doctor_id}/holds/{hold_id}", f"{at}/holds/{hold['id']}", {200})
        call("DELETE", "/doctors/{doctor_id}/holds/{hold_id}", f"{at}/holds/{hold['id']}", {204})
        call("GET", "/patients/{patient_id}/appointments", "/patients/p-artifact/appointments", {200})
        course = {"starts": slots[5:7], "location": "1 Road", "patient": {"id": "p-course"}}
        series = call(
            "POST", "/doctors/{doctor_id}/appointments/series", f"{at}/appointments/series", {201}, json=course
        )
        in_series = f"{at}/appointments/series/{series['series_id']}"
        call("GET", "/doctors/{doctor_id}/appointments/series/{series_id}", in_series, {200})
        call("POST", "/doctors/{doctor_id}/appointments/series/{series_id}/cancel", f"{in_series}/cancel", {200})
        wait = {"patient": {"id": "p-wait"}, "from": slots[0], "to": slots[-1]}
        entry = call("POST", "/doctors/{doctor_id}/waitlist", f"{at}/waitlist", {201}, json=wait)
        call("GET", "/doctors/{doctor_id}/waitlist", f"{at}/waitlist?status=waiting", {200})
        call("GET", "/doctors/{doctor_id}/waitlist/{entry_id}", f"{at}/waitlist/{entry['id']}", {200})
        call("DELETE", "/doctors/{doctor_id}/waitlist/{entry_id}", f"{at}/waitlist/{entry['id']}", {204})
        call("GET", "/slots", "/slots?location=1%20Road", {200})
        fhir = "/fhir/R4"
        practitioner = f"Practitioner/{doctor['id']}"
        call("GET", f"{fhir}/metadata", f"{fhir}/metadata", {200})
        call("GET", f"{fhir}/Practitioner", f"{fhir}/Practitioner?_count=1", {200})
        call("GET", f"{fhir}/Practitioner/{{doctor_id}}", f"{fhir}/{practitioner}", {200})
        schedule = call("GET", f"{fhir}/Schedule/{{doctor_id}}", f"{fhir}/Schedule/{doctor['id']}", {200})
        call("GET", f"{fhir}/Schedule", f"{fhir}/Schedule?actor={practitioner}", {200})
        location = schedule["actor"][1]["reference"]
        call("GET", f"{fhir}/Location/{{location_id}}", f"{fhir}/{location}", {200})
        call("GET", f"{fhir}/Location", f"{fhir}/Location?name=1", {200})
        call("GET", f"{fhir}/Slot", f"{fhir}/Slot?schedule=Schedule/{doctor['id']}", {200})
        window = f"start={slots[5]}&end={slots[-1]}".replace("+", "%2B")
        found = call(
            "GET",
            f"{fhir}/Appointment/{{appointment_id}}",
            f"{fhir}/Appointment/$find?{window}&practitioner={practitioner}",
            {200},
        )
        proposed = {
            "name": "appointment-reference",
            "valueReference": {"reference": f"Appointment/{found['entry'][0]['resource']['id']}"},
        }
        held = call(
            "POST",
            f"{fhir}/Appointment/{{operation}}",
            f"{fhir}/Appointment/$hold",
            {200},
            json={"resourceType": "Parameters", "parameter": [proposed]},
        )
        assert held["entry"][0]["resource"]["status"] == "pending"
        call("GET", f"{fhir}/Appointment", f"{fhir}/Appointment?practitioner={practitioner}", {200})
        call("DELETE", "/doctors/{doctor_id}", at, {204, 409})
        workers = runner.workers("AppointmentsFunction")

    assert routes_seen == {(route.method.upper(), route.path) for route in api_routes(load_template())}
    assert all(worker["sys_path"][0] == str(build / "AppointmentsFunction") for worker in workers)
