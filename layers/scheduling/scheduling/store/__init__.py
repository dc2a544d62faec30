"""The only package that talks to DynamoDB: keys, item codecs, conditional writes, pages, error translation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scheduling.config import Settings
from scheduling.store.client import dynamodb_client
from scheduling.store.doctors import DoctorItems
from scheduling.store.holds import HoldItems
from scheduling.store.items import DayLock, DoctorRecord, PatientLock
from scheduling.store.page import Page
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


class SchedulingStore(DoctorItems, WaitlistItems, HoldItems, SearchItems, SeriesItems, ReminderItems):
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = client


def store_for(settings: Settings) -> SchedulingStore:
    """A light wrapper around the one client per container (`dynamodb_client` is cached, not the store, so a
    test that swaps the client gets a store on the new one)."""
    return SchedulingStore(settings.table_name, dynamodb_client(settings.dynamodb_endpoint_url))
