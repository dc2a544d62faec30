"""Sample data: the doctors of local/sample_doctors.json, with the ids they keep (the samples in events/ name them).

Written through the service's own create_doctor (the same checks and items as POST /doctors) into the table at
`endpoint`; a doctor already there is left as it is, so seeding a DynamoDB that outlives the runner is harmless.
"""

from __future__ import annotations

import json
from typing import Any

from local.paths import ROOT, use_source_tree

SAMPLE_DOCTORS = ROOT / "local" / "sample_doctors.json"


def sample_doctors() -> list[dict[str, Any]]:
    doctors: list[dict[str, Any]] = json.loads(SAMPLE_DOCTORS.read_text())
    return doctors


def seed_sample_doctors(endpoint: str, table_name: str) -> list[str]:
    """The ids of the sample doctors, created unless already there."""
    use_source_tree()
    from scheduling.errors import DoctorNotFound
    from scheduling.models import DoctorIn
    from scheduling.service.doctors import create_doctor, get_doctor
    from scheduling.store import SchedulingStore
    from scheduling.store.client import dynamodb_client

    store = SchedulingStore(table_name, dynamodb_client(endpoint))
    seeded = []
    for sample in sample_doctors():
        doctor_id = sample["id"]
        try:
            get_doctor(store, doctor_id)
        except DoctorNotFound:
            create_doctor(store, DoctorIn.model_validate({k: v for k, v in sample.items() if k != "id"}), doctor_id)
        seeded.append(doctor_id)
    return seeded
