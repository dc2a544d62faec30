"""A big hospital for the local runner (`make run SEED=hospital`): 500 doctors over 10 locations (all at the main
campus, each also at one of nine clinics) and 20 specialties, each profile about 10 KB (a year of weekend hours as
date overrides), and a month of bookings.

The doctors are created through the service's own create_doctor (the same checks and items as POST /doctors),
with fixed ids (`doctor_id`) so that a runner that kept its state finds them and seeds nothing
again. The bookings are the domain's own appointments (new_appointment, as POST .../appointments makes them)
written as the store's own items (booked_item) with BatchWriteItem, 25 at a time: one booking through the
service takes three DynamoDB calls and a transaction, which made seeding a month for 500 doctors take minutes.
That shortcut is safe here because the seed writes into empty days of doctors it has just created, without
patients or daily caps: the transaction's conditions (free slot, unchanged doctor) hold by construction.
The seed writes into the embedded moto with its table's stream set aside (`unpublished`): publishing 20,000
"appointment booked" events for made-up history kept the runner's event pipeline busy for minutes, and a
hospital restored from the state directory publishes nothing either. Against another DynamoDB
(DYNAMODB_ENDPOINT_URL) the seed is written as it is; the runner reads no stream there.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from local.iam import ACCOUNT, REGION
from local.paths import use_source_tree
from local.seed import seed_actor

DOCTORS = 500
MAIN_CAMPUS = "Main Campus"
CLINICS = [f"Clinic {letter}" for letter in "ABCDEFGHI"]
SPECIALTIES = [
    "cardiology", "dermatology", "endocrinology", "gastroenterology", "geriatrics",
    "hematology", "infectious disease", "nephrology", "neurology", "obstetrics",
    "oncology", "ophthalmology", "orthopedics", "otolaryngology", "pediatrics",
    "psychiatry", "pulmonology", "radiology", "rheumatology", "urology",
]  # fmt: skip
TIMEZONE = "Europe/Berlin"
SLOT_MINUTES = 30
DAY = (time(9), time(17))
BOOKED_SHARE = 0.15  # of the month's weekday slots
BATCH = 25  # BatchWriteItem's limit


def doctor_id(number: int) -> str:
    """Fixed, in the form of the service's own ids (32 hex digits)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"local-hospital/doctor/{number}").hex


def _profile(number: int, today: date) -> dict[str, Any]:
    """A year of date overrides (a hospital's calendar: weekdays as usual, weekends in two sittings) makes the
    profile about 10 KB as DynamoDB stores it, as the issue's large doctors were."""
    weekdays = ("monday", "tuesday", "wednesday", "thursday", "friday")
    hours = [{"start": DAY[0].isoformat("minutes"), "end": DAY[1].isoformat("minutes")}]
    weekend = [{"start": "10:00", "end": "12:00"}, {"start": "13:00", "end": "15:00"}]
    year = [today + timedelta(days=offset) for offset in range(366)]
    return {
        "name": f"Doctor {number:04d}",
        "locations": [MAIN_CAMPUS, CLINICS[number % len(CLINICS)]],
        "specialties": [SPECIALTIES[number % len(SPECIALTIES)]],
        "timezone": TIMEZONE,
        "slot_minutes": SLOT_MINUTES,
        "schedule": dict.fromkeys(weekdays, hours),
        "overrides": {day.isoformat(): weekend if day.weekday() >= 5 else hours for day in year},
    }


def seed_hospital(endpoint: str, table_name: str, doctors: int = DOCTORS, days: int = 30) -> list[str]:
    """Create the hospital unless its first doctor is already there; the doctors' ids."""
    use_source_tree()
    from scheduling.errors import DoctorNotFound
    from scheduling.models import DoctorIn, HistoryEntry
    from scheduling.service.checks import new_appointment
    from scheduling.service.doctors import create_doctor, get_doctor
    from scheduling.store import SchedulingStore
    from scheduling.store.client import dynamodb_client
    from scheduling.store.items import booked_item

    client = dynamodb_client(endpoint)
    store = SchedulingStore(table_name, client)
    ids = [doctor_id(number) for number in range(1, doctors + 1)]
    try:
        get_doctor(store, ids[0])
        return ids  # kept from an earlier run
    except DoctorNotFound:
        pass
    zone = ZoneInfo(TIMEZONE)
    now = datetime.now(UTC)
    actor = seed_actor()
    today = now.astimezone(zone).date()
    choose = random.Random(2026)  # the same hospital every time  # noqa: S311  # not security
    pending: list[dict[str, Any]] = []
    for number, new_id in enumerate(ids, start=1):
        doctor = create_doctor(store, DoctorIn.model_validate(_profile(number, today)), actor=actor, doctor_id=new_id)
        for offset in range(1, days + 1):
            day = today + timedelta(days=offset)
            if day.weekday() >= 5:
                continue
            start = datetime.combine(day, DAY[0], zone)
            while start.time() < DAY[1]:
                if choose.random() < BOOKED_SHARE:
                    appointment = new_appointment(doctor, start, doctor.locations[0], None, now).model_copy(
                        update={"history": [HistoryEntry.of("booked", now, actor)]}
                    )
                    pending.append({"PutRequest": {"Item": booked_item(appointment)}})
                start += timedelta(minutes=SLOT_MINUTES)
        while len(pending) >= BATCH:
            _write(client, table_name, pending[:BATCH])
            del pending[:BATCH]
    while pending:
        _write(client, table_name, pending[:BATCH])
        del pending[:BATCH]
    return ids


def _write(client: Any, table_name: str, requests: list[dict[str, Any]]) -> None:
    left: dict[str, Any] = {table_name: requests}
    while left:  # the embedded DynamoDB may throttle a batch under load: what it did not write is written again
        left = client.batch_write_item(RequestItems=left).get("UnprocessedItems") or {}


@contextmanager
def unpublished(table_name: str) -> Iterator[None]:
    """Writes to the embedded moto's table leave no stream record meanwhile (call before the stream is read)."""
    from moto.dynamodb.models import dynamodb_backends

    table = dynamodb_backends[ACCOUNT][REGION].tables[table_name]
    shard, table.stream_shard = table.stream_shard, None
    try:
        yield
    finally:
        table.stream_shard = shard
