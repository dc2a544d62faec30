"""Reads for the search across doctors: doctors by tag with their bookable summaries, and their bookings, each in
one round.

A round is one set of calls issued together (`fan_out`): the tag Queries together (each tag item carries its
doctor's bookable summary), then one bookings Query per doctor together. Only doctors whose tag items carry no
summary add a round: one BatchGetItem per 100 of their profiles, together. Pages past 1 MB and unprocessed keys add
calls inside a round's task (docs/data-model.md, "Search across doctors").
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from scheduling.domain.booked import BookedInterval
from scheduling.domain.tags import Tag
from scheduling.errors import ServiceUnavailable
from scheduling.models import Doctor
from scheduling.store.client import translated
from scheduling.store.fan_out import fan_out
from scheduling.store.items import DoctorRecord, summary_doctor, to_doctor_record
from scheduling.store.keys import BY_NAME_INDEX, profile_key, tag_key_part

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

BATCH_GET_LIMIT = 100  # keys per BatchGetItem
UNPROCESSED_ATTEMPTS = 5  # BatchGetItem calls per batch before the search answers 503

# One doctor's bookings to read: (doctor id, first instant, last instant).
BookingRange = tuple[str, datetime, datetime]


class SearchItems:
    _table: str
    _client: DynamoDBClient
    booked_intervals: Callable[[str, datetime, datetime, timedelta, datetime], list[BookedInterval]]

    def bookable_doctors(self, tags: list[Tag]) -> dict[str, Doctor]:
        """The doctors that carry every one of `tags`, each as its bookable summary tells it (GSI1, eventually
        consistent: a doctor created, changed or deleted a moment ago may be found as it was; the booking itself
        checks the profile). A tag item without a summary (written before summaries, or too big to carry one)
        costs a consistent profile read, in one more round."""
        found = fan_out([partial(self._summaries_with, tag) for tag in tags])
        if not found:
            return {}
        matching = set.intersection(*(set(summaries) for summaries in found))
        summaries = found[0]
        doctors = {
            doctor_id: summary_doctor(doctor_id, summary)
            for doctor_id in matching
            if (summary := summaries[doctor_id]) is not None
        }
        if missing := matching - set(doctors):
            doctors |= {record.doctor.id: record.doctor for record in self.doctor_records(missing)}
        return doctors

    def doctor_records(self, doctor_ids: set[str]) -> list[DoctorRecord]:
        """The doctors' profiles, consistently read; a doctor deleted meanwhile is simply absent."""
        ordered = sorted(doctor_ids)
        batches = [ordered[first : first + BATCH_GET_LIMIT] for first in range(0, len(ordered), BATCH_GET_LIMIT)]
        found = fan_out([partial(self._profiles, batch) for batch in batches])
        return [record for batch in found for record in batch]

    def booked_intervals_of(
        self, ranges: list[BookingRange], longest: timedelta, now: datetime
    ) -> dict[str, list[BookedInterval]]:
        """Each doctor's appointments and unexpired holds overlapping its range, all Queried together."""
        answers = fan_out([partial(self.booked_intervals, *where, longest, now) for where in ranges])
        return {doctor_id: booked for (doctor_id, _, _), booked in zip(ranges, answers, strict=True)}

    def _summaries_with(self, tag: Tag) -> dict[str, str | None]:
        """The tag's doctors by id, each with its summary (None where the item carries none)."""
        query: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": BY_NAME_INDEX,
            "KeyConditionExpression": "GSI1PK = :tag",
            "ExpressionAttributeValues": {":tag": {"S": tag_key_part(tag)}},
            "ProjectionExpression": "PK, SK, GSI1SK, bookable",
        }
        with translated():
            return {
                item["GSI1SK"]["S"]: item["bookable"]["S"] if "bookable" in item else None
                for item in _pages(self._client, query)
            }

    def _profiles(self, doctor_ids: list[str]) -> list[DoctorRecord]:
        request: dict[str, Any] = {
            self._table: {"Keys": [profile_key(doctor_id) for doctor_id in doctor_ids], "ConsistentRead": True}
        }
        records = []
        with translated():
            for attempt in range(UNPROCESSED_ATTEMPTS):
                if attempt:  # unprocessed keys are throttled ones: back off before asking again
                    time.sleep(random.uniform(0, 0.05 * 2**attempt))  # noqa: S311  # jitter, not security
                response = self._client.batch_get_item(RequestItems=request)
                records += [to_doctor_record(item) for item in response["Responses"].get(self._table, [])]
                request = response.get("UnprocessedKeys") or {}
                if not request:
                    return records
        raise ServiceUnavailable("The database is busy; retry later.")


def _pages(client: DynamoDBClient, query: dict[str, Any]) -> Iterator[dict[str, Any]]:
    while True:
        response = client.query(**query)
        yield from response["Items"]
        if "LastEvaluatedKey" not in response:
            return
        query = {**query, "ExclusiveStartKey": response["LastEvaluatedKey"]}
