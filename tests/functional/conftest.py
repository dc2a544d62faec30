"""Handlers invoked in-process against moto, with tables built from template.yaml."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local.template import create_tables, load_template, table_names
from scheduling.models import Doctor, DoctorIn
from scheduling.observability import logger
from scheduling.service.looks import forget_doctors
from scheduling.store import SchedulingStore, dynamodb_client
from tests.support.clock import Clock
from tests.support.faults import Fault, install_faults
from tests.support.lambda_events import SAMPLE_DOCTOR_ID, Answer, context, sample_event

TEMPLATE = load_template()
TABLES = table_names(TEMPLATE)

# The sample doctor of events/doctors_create.json: the events double as fixtures.
HOUSE: dict[str, Any] = json.loads(sample_event("doctors_create")["body"])


# mock_aws starts every test with a new default boto3 session, whose clients parse botocore's service models
# again (about 60 ms of CPU a test, over 700 tests); this session, made once after moto's import (so moto's
# handler is on its events), keeps the parsed models. Nothing else is shared: each test's moto state is new.
SESSION = boto3.Session()


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        boto3.DEFAULT_SESSION = SESSION
        create_tables(boto3.client("dynamodb"), TEMPLATE, TABLES)
        forget_doctors()  # what the service remembers of doctors (service/looks.py) was about other tables
        yield


@pytest.fixture
def store(aws: None) -> SchedulingStore:
    return SchedulingStore(TABLES["SchedulingTable"], dynamodb_client(None))


@pytest.fixture
def given_doctor(store: SchedulingStore) -> Callable[..., Doctor]:
    """Store a doctor directly (no handler involved); fields override the sample doctor."""

    def make(doctor_id: str, **fields: Any) -> Doctor:
        now = datetime(2026, 11, 1, tzinfo=UTC)
        draft = DoctorIn.model_validate({**HOUSE, **fields})
        doctor = Doctor(**draft.model_dump(), id=doctor_id, created_at=now, updated_at=now, version=1)
        store.create_doctor(doctor)
        return doctor

    return make


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "clock(start): where the `clock` fixture stands at the start of a test")
    config.addinivalue_line("markers", "doctor(**fields): the `doctor` fixture's fields over the sample doctor's")


@pytest.fixture
def clock(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The service's clock, stopped at the instant of the nearest `pytest.mark.clock(start)` (the test's, else
    its module's) and moved only by the test."""
    marker = request.node.get_closest_marker("clock")
    assert marker is not None, "the clock fixture needs pytest.mark.clock(start) on the test or its module"
    clock = Clock(marker.args[0])
    monkeypatch.setattr("scheduling.service.clock.now", clock)
    return clock


@pytest.fixture
def doctor(request: pytest.FixtureRequest, given_doctor: Callable[..., Doctor]) -> Doctor:
    """The sample doctor (SAMPLE_DOCTOR_ID) stored directly, with the fields of the nearest
    `pytest.mark.doctor(**fields)` over the sample's."""
    marker = request.node.get_closest_marker("doctor")
    return given_doctor(SAMPLE_DOCTOR_ID, **(marker.kwargs if marker else {}))


def invoke(handler: Callable[[dict[str, Any], Any], dict[str, Any]], event: dict[str, Any]) -> Answer:
    return Answer(handler(event, context()))


def stored_items(table: str = "SchedulingTable") -> list[dict[str, Any]]:
    return boto3.client("dynamodb").scan(TableName=TABLES[table])["Items"]


class CallLog:
    """DynamoDB operations made through the shared client, seen by a botocore event hook."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def __call__(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        tables = {params.get("TableName", "")}
        for item in params.get("TransactItems", []):
            tables |= {action.get("TableName", "") for action in item.values()}
        for table in sorted(tables - {""}) or [""]:
            self.calls.append((model.name, table))

    def on(self, table: str = "SchedulingTable") -> list[str]:
        return [operation for operation, name in self.calls if name == TABLES[table]]

    def clear(self) -> None:
        self.calls.clear()


@pytest.fixture
def dynamodb_calls(aws: None) -> Iterator[CallLog]:
    log = CallLog()
    events = dynamodb_client(None).meta.events
    events.register("before-parameter-build.dynamodb", log)
    yield log
    events.unregister("before-parameter-build.dynamodb", log)


@pytest.fixture
def inject(monkeypatch: pytest.MonkeyPatch) -> Callable[[Fault], Fault]:
    """Faults in front of moto for this test (tests/support/faults.py): `inject(Fault(...))` adds one."""
    return install_faults(monkeypatch)


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    """What the powertools logger writes, formatted exactly as in Lambda (its stream was bound at import)."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logger.registered_formatter)
    logger._logger.addHandler(handler)
    yield buffer
    logger._logger.removeHandler(handler)
