"""docs/events/*.schema.json are generated from the models the events function publishes with, and every event
the mapping makes is valid against the schema of its type."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from scheduling.events.changes import change_of
from scheduling.events.mapping import events_of
from tests.unit.test_event_mapping import TABLE
from tools.event_schemas import SCHEMAS_DIR, build_schemas, render


def test_docs_events_schemas_are_up_to_date() -> None:
    expected = build_schemas()

    on_disk = {path.name for path in SCHEMAS_DIR.glob("*.schema.json")}

    assert on_disk == set(expected), "run: make openapi"
    for name, schema in expected.items():
        assert (SCHEMAS_DIR / name).read_text() == render(schema), "run: make openapi"


@pytest.mark.parametrize(
    ("transition", "records", "expected"), [row for row in TABLE if row[2]], ids=[row[0] for row in TABLE if row[2]]
)
def test_every_event_is_valid_against_the_committed_schema_of_its_type(transition, records, expected) -> None:
    for raw in records():
        for event in events_of(change_of(raw)):
            schema = json.loads((SCHEMAS_DIR / f"{event.type}.schema.json").read_text())
            Draft202012Validator(schema, format_checker=FormatChecker()).validate(event.model_dump(mode="json"))


def test_a_schema_refuses_a_patient_name_or_another_type() -> None:
    schema = json.loads((SCHEMAS_DIR / "org.hospital.scheduling.appointment.booked.schema.json").read_text())
    [row] = [row for row in TABLE if row[0] == "SLOT# appointment inserted"]
    [event] = events_of(change_of(row[1]()[0]))
    good = event.model_dump(mode="json")
    validator = Draft202012Validator(schema)

    assert validator.is_valid(good)
    assert not validator.is_valid({**good, "data": {**good["data"], "patient_name": "Ada"}})
    assert not validator.is_valid({**good, "type": "org.hospital.scheduling.appointment.cancelled"})
