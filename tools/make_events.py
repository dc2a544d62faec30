"""Writes the sample API Gateway events in events/ (run once when routes change; the files are committed)."""

import json
import sys

sys.path.insert(0, "layers/scheduling")
sys.path.insert(0, ".")
from local.runner import build_event
from local.template import api_routes, load_template

routes = {(r.method, r.path): r for r in api_routes(load_template())}
DOC = "0f8fad5bd9cb469fa16570867728950e"
JSON = [("Content-Type", "application/json"), ("Accept", "application/json")]
house = {
    "name": "Gregory House",
    "locations": ["123 Main St", "456 Central St"],
    "timezone": "America/New_York",
    "slot_minutes": 30,
    "schedule": {
        "monday": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}],
        "wednesday": [{"start": "08:00", "end": "16:00"}],
    },
}


def ev(name, method, path, concrete, params, body=None, headers=JSON, query=""):
    r = routes[(method, path)]
    e = build_event(
        r,
        method,
        concrete + query,
        params,
        headers,
        json.dumps(body).encode() if body is not None else b"",
        "127.0.0.1",
    )
    e["requestContext"]["requestId"] = e["requestContext"]["extendedRequestId"] = f"sample-{name}"
    e["requestContext"]["requestTimeEpoch"] = 1796000000000
    open(f"events/{name}.json", "w").write(json.dumps(e, indent=2) + "\n")


ev("doctors_create", "POST", "/doctors", "/doctors", {}, house)
ev("doctors_list", "GET", "/doctors", "/doctors", {}, None, [("Accept", "application/json")], "?limit=10")
ev(
    "doctors_get",
    "GET",
    "/doctors/{doctor_id}",
    f"/doctors/{DOC}",
    {"doctor_id": DOC},
    None,
    [("Accept", "application/json")],
)
ev(
    "doctors_replace",
    "PUT",
    "/doctors/{doctor_id}",
    f"/doctors/{DOC}",
    {"doctor_id": DOC},
    {**house, "slot_minutes": 20},
)
ev(
    "doctors_patch",
    "PATCH",
    "/doctors/{doctor_id}",
    f"/doctors/{DOC}",
    {"doctor_id": DOC},
    {"locations": ["789 Elm St"], "schedule": {"wednesday": None}},
    [("Content-Type", "application/merge-patch+json")],
)
ev("doctors_delete", "DELETE", "/doctors/{doctor_id}", f"/doctors/{DOC}", {"doctor_id": DOC}, None, [])
ev(
    "slots_list",
    "GET",
    "/doctors/{doctor_id}/slots",
    f"/doctors/{DOC}/slots",
    {"doctor_id": DOC},
    None,
    [("Accept", "application/json")],
    "?from=2035-06-04&to=2035-06-05",
)
APPT = "20350604T133000Z-0123456789ab"
ev(
    "appointments_book",
    "POST",
    "/doctors/{doctor_id}/appointments",
    f"/doctors/{DOC}/appointments",
    {"doctor_id": DOC},
    {
        "start": "2035-06-04T09:30:00-04:00",
        "location": "123 Main St",
        "patient": {"id": "p-123", "name": "Ada Lovelace"},
    },
)
ev(
    "appointments_list",
    "GET",
    "/doctors/{doctor_id}/appointments",
    f"/doctors/{DOC}/appointments",
    {"doctor_id": DOC},
    None,
    [("Accept", "application/json")],
    "?from=2035-06-01&to=2035-07-01&status=booked&limit=20",
)
ev(
    "appointments_get",
    "GET",
    "/doctors/{doctor_id}/appointments/{appointment_id}",
    f"/doctors/{DOC}/appointments/{APPT}",
    {"doctor_id": DOC, "appointment_id": APPT},
    None,
    [("Accept", "application/json")],
)
ev(
    "appointments_cancel",
    "POST",
    "/doctors/{doctor_id}/appointments/{appointment_id}/cancel",
    f"/doctors/{DOC}/appointments/{APPT}/cancel",
    {"doctor_id": DOC, "appointment_id": APPT},
    {"reason": "Patient called to cancel"},
)
ev(
    "appointments_reschedule",
    "POST",
    "/doctors/{doctor_id}/appointments/{appointment_id}/reschedule",
    f"/doctors/{DOC}/appointments/{APPT}/reschedule",
    {"doctor_id": DOC, "appointment_id": APPT},
    {"start": "2035-06-04T10:30:00-04:00", "location": "456 Central St"},
)
