"""The only package that talks to DynamoDB: keys, item codecs, conditional writes, pages, error translation."""

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
