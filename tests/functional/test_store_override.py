"""The store reaches every route through one provider (`Depends`), which a test can replace through the resolver's
`dependency_overrides`: here with a store on another table, which the function's settings do not name."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import boto3
import pytest

from functions.doctors.app import app, lambda_handler, scheduling_store
from local.template import create_tables, table_names
from scheduling.models import Doctor, DoctorIn
from scheduling.store import SchedulingStore, dynamodb_client
from tests.functional.conftest import HOUSE, TEMPLATE, invoke
from tests.support.lambda_events import SAMPLE_DOCTOR_ID, sample_event

OTHER = table_names(TEMPLATE, prefix="override-")


@pytest.fixture
def other_store(aws: None) -> SchedulingStore:
    """A store on tables of their own, holding the sample doctor; the function's own tables stay empty."""
    create_tables(boto3.client("dynamodb"), TEMPLATE, OTHER)
    store = SchedulingStore(OTHER["SchedulingTable"], dynamodb_client(None))
    now = datetime(2026, 11, 1, tzinfo=UTC)
    draft = DoctorIn.model_validate(HOUSE)
    store.create_doctor(Doctor(**draft.model_dump(), id=SAMPLE_DOCTOR_ID, created_at=now, updated_at=now, version=1))
    return store


@pytest.fixture
def overridden(other_store: SchedulingStore) -> Iterator[Callable[[], SchedulingStore]]:
    provider = lambda: other_store  # noqa: E731
    app.dependency_overrides[scheduling_store] = provider
    yield provider
    app.dependency_overrides.clear()


def test_a_route_reads_through_the_overriding_store(overridden: Callable[[], SchedulingStore]) -> None:
    answer = invoke(lambda_handler, sample_event("doctors_get"))

    assert answer.status == 200, answer
    assert answer.json()["id"] == SAMPLE_DOCTOR_ID


def test_without_the_override_the_function_s_own_table_is_read(other_store: SchedulingStore) -> None:
    assert invoke(lambda_handler, sample_event("doctors_get")).status == 404
