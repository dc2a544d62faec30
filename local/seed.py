"""Sample data: the doctors of local/sample_doctors.json, with the ids they keep, and on the first of them (Gregory
House) one appointment and two holds with fixed ids: the samples in events/ name them (tools/make_events.py).

Everything is written through the service, with the same checks and items as the API. The appointment and the holds
are made as a client with an `Idempotency-Key` makes them: their ids derive from a fixed key (`BookingSample.key`,
scheduling.domain.ids), so they are known in advance and seeding again answers what is stored instead of writing.
A doctor, appointment or hold already there is left as it is, so seeding a DynamoDB that outlives the runner is
harmless; a seeded hold lasts 30 minutes (the longest a hold may), so on such a DynamoDB it may read `expired`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from local.paths import ROOT, use_source_tree
from local.principal import LOCAL_PRINCIPAL

if TYPE_CHECKING:
    from scheduling.models import Actor
    from scheduling.store import SchedulingStore

SAMPLE_DOCTORS = ROOT / "local" / "sample_doctors.json"
HOLD_SECONDS = 1800  # the longest a hold may last (HoldRequest.ttl_seconds)


@dataclass(frozen=True)
class BookingSample:
    key: str  # the id derives from it, as from a client's Idempotency-Key
    start: str  # a published slot of the first sample doctor, in June 2035 (the sample doctors have no horizon)
    location: str
    patient: dict[str, str] | None = None


# On Monday 2035-06-04 in New York, each on a slot of its own so that every sample can succeed after a fresh seed.
APPOINTMENT = BookingSample(
    "local/seed.py appointment", "2035-06-04T09:30:00-04:00", "123 Main St", {"id": "p-123", "name": "Ada Lovelace"}
)
HOLD = BookingSample("local/seed.py hold", "2035-06-04T10:00:00-04:00", "123 Main St")  # read and released
HOLD_TO_BOOK = BookingSample("local/seed.py hold to book", "2035-06-04T09:00:00-04:00", "123 Main St")  # booked


def seed_actor() -> Actor:
    """The sample data is written as the documented local developer, like an unsigned request (imported late:
    the layer is on the path only once use_source_tree ran)."""
    from scheduling.models import Actor

    return Actor(by=LOCAL_PRINCIPAL)


def sample_doctors() -> list[dict[str, Any]]:
    doctors: list[dict[str, Any]] = json.loads(SAMPLE_DOCTORS.read_text())
    return doctors


def sample_ids() -> dict[str, str]:
    """The ids the seed gives: `doctor`, `appointment`, `hold` and `hold_to_book`."""
    use_source_tree()
    from datetime import datetime

    from scheduling.domain.ids import new_appointment_id, new_hold_id

    return {
        "doctor": sample_doctors()[0]["id"],
        "appointment": new_appointment_id(datetime.fromisoformat(APPOINTMENT.start), APPOINTMENT.key),
        "hold": new_hold_id(datetime.fromisoformat(HOLD.start), HOLD.key),
        "hold_to_book": new_hold_id(datetime.fromisoformat(HOLD_TO_BOOK.start), HOLD_TO_BOOK.key),
    }


def seed_sample_doctors(endpoint: str, table_name: str) -> list[str]:
    """The ids of the sample doctors, created unless already there, then the sample appointment and holds."""
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
            draft = DoctorIn.model_validate({k: v for k, v in sample.items() if k != "id"})
            create_doctor(store, draft, actor=seed_actor(), doctor_id=doctor_id)
        seeded.append(doctor_id)
    _seed_sample_bookings(store, seeded[0])
    return seeded


def _seed_sample_bookings(store: SchedulingStore, doctor_id: str) -> None:
    """The sample appointment and holds; one the service refuses (its slot taken on a DynamoDB that outlives the
    runner, the doctor's hours changed) is left out, with a line on stderr saying why."""
    from scheduling.errors import SchedulingError
    from scheduling.models import BookingRequest, HoldRequest
    from scheduling.service.appointments import book
    from scheduling.service.holds import hold

    booking = {"start": APPOINTMENT.start, "location": APPOINTMENT.location, "patient": APPOINTMENT.patient}
    holds = {"start": HOLD.start, "location": HOLD.location, "ttl_seconds": HOLD_SECONDS}
    to_book = {"start": HOLD_TO_BOOK.start, "location": HOLD_TO_BOOK.location, "ttl_seconds": HOLD_SECONDS}
    steps: list[tuple[str, Callable[[], object]]] = [
        (
            "appointment",
            lambda: book(store, doctor_id, BookingRequest.model_validate(booking), APPOINTMENT.key, actor=seed_actor()),
        ),
        ("hold", lambda: hold(store, doctor_id, HoldRequest.model_validate(holds), HOLD.key, actor=seed_actor())),
        (
            "hold to book",
            lambda: hold(store, doctor_id, HoldRequest.model_validate(to_book), HOLD_TO_BOOK.key, actor=seed_actor()),
        ),
    ]
    for name, step in steps:
        try:
            step()
        except SchedulingError as error:
            sys.stderr.write(f"The sample {name} was not seeded: {error}\n")
