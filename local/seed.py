"""Sample data: the doctors of local/sample_doctors.json, created through the real POST /doctors handler."""

from __future__ import annotations

import json
from http import HTTPStatus

from local.gateway import Gateway, HttpRequest
from local.paths import ROOT

SAMPLE_DOCTORS = ROOT / "local" / "sample_doctors.json"


def seed_sample_doctors(gateway: Gateway) -> list[str]:
    """The ids of the doctors created."""
    created = []
    for doctor in json.loads(SAMPLE_DOCTORS.read_text()):
        request = HttpRequest(
            "POST", "/doctors", [("Content-Type", "application/json")], json.dumps(doctor).encode(), "127.0.0.1"
        )
        result = gateway.handle(request)
        if result["statusCode"] != HTTPStatus.CREATED:
            raise RuntimeError(f"seeding failed: {result['body']}")
        created.append(json.loads(result["body"])["id"])
    return created
