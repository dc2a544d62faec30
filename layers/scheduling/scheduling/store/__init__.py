"""The only package that talks to DynamoDB: keys, items, conditional writes, pagination and error translation.

- `client`        the boto3 client (one per container) and failure translation
- `keys`          the key layout
- `items`         stored items <-> models
- `stream`        a stream image -> the typed record it stores (what `events` reads)
- `paging`        a page of a list and the token that continues it
- `appointment_pages` one page of appointments in start order over a time range (a doctor's or a patient's)
- `doctors`       doctor profile and booking fence writes
- `appointments`  bookings, cancellations, lifecycle changes, reads and lists
- `holds`         holds: claims on slots, conversion into appointments, release
- `claims`        what every claim of a slot key shares: overlap look, fence check, slot put, failure reasons
- `patients`      a patient's lock and copies of the patient's appointments
- `series`        a course of appointments booked in one transaction
- `waitlist`      waitlist entries, the patient's waitlist lock, offers written with their hold
- `reminders`     the mark that makes a reminder's publication happen once
- `search`        reads for the search across doctors (by tag, profiles in batches, bookings together)
- `fan_out`       independent calls issued together
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scheduling.config import Settings
from scheduling.store.appointments import AppointmentItems
from scheduling.store.claims import SlotClaims
from scheduling.store.client import dynamodb_client
from scheduling.store.doctors import DoctorItems
from scheduling.store.holds import HoldItems
from scheduling.store.items import DayLock, DoctorRecord, PatientLock
from scheduling.store.paging import Page
from scheduling.store.patients import PatientItems, PatientWrites
from scheduling.store.reminders import ReminderItems
from scheduling.store.search import BookingRange, SearchItems
from scheduling.store.series import SeriesItems
from scheduling.store.waitlist import WaitlistItems

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

__all__ = [
    "BookingRange",
    "DayLock",
    "DoctorRecord",
    "Page",
    "PatientLock",
    "SchedulingStore",
    "dynamodb_client",
    "store_for",
]


class SchedulingStore(
    DoctorItems, AppointmentItems, PatientItems, HoldItems, SeriesItems, WaitlistItems, SearchItems, ReminderItems
):
    """The store's one face: each item family adds its reads and writes (none is another: a hold is not an
    appointment); what families share is held, not inherited: `SlotClaims` (every claim of a slot key) and
    `PatientWrites` (the patient's partition kept in step)."""

    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = client
        self._claims = SlotClaims(table_name, client)
        self._patients = PatientWrites(table_name)


def store_for(settings: Settings) -> SchedulingStore:
    """A light wrapper around the one client per container (`dynamodb_client` is cached, not the store, so a
    test that swaps the client gets a store on the new one)."""
    return SchedulingStore(settings.table_name, dynamodb_client(settings.dynamodb_endpoint_url))
