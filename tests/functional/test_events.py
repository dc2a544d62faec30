"""The events consumer in-process against moto: the table's stream in, CloudEvents on the bus out, in order,
once per change; failures reported so that Lambda retries them without losing, reordering or re-identifying."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from functions.appointments.app import lambda_handler as appointments
from functions.doctors.app import lambda_handler as doctors
from functions.events import app as events_app
from functions.holds.app import lambda_handler as holds
from scheduling.events.publisher import Publisher
from tests.functional.conftest import TABLES, invoke
from tests.support.clock import Clock
from tests.support.event_bus import StreamReader, Subscriber
from tests.support.lambda_events import SAMPLE_DOCTOR_ID, context, event_with

SLOT = "2035-06-04T09:30:00-04:00"
LATER = "2035-06-04T10:30:00-04:00"
T0 = datetime(2035, 6, 1, 12, tzinfo=UTC)


@pytest.fixture
def subscriber(aws: None) -> Subscriber:
    return Subscriber()


@pytest.fixture
def stream(aws: None) -> StreamReader:
    return StreamReader(TABLES["SchedulingTable"])


pytestmark = pytest.mark.clock(T0)


@pytest.fixture
def doctor_id(given_doctor: Callable[..., Any], stream: StreamReader, subscriber: Subscriber) -> str:
    """The sample doctor, its doctor.created already published and read."""
    given_doctor(SAMPLE_DOCTOR_ID)
    consume(stream.new_records())
    assert types(subscriber.cloudevents()) == ["doctor.created"]
    subscriber.received.clear()
    return SAMPLE_DOCTOR_ID


def consume(records: list[dict[str, Any]]) -> list[str]:
    """One invocation by the event source mapping; answers the sequence numbers reported failed."""
    response = events_app.lambda_handler({"Records": records}, context())
    return [failure["itemIdentifier"] for failure in response["batchItemFailures"]]


def types(events: list[dict[str, Any]]) -> list[str]:
    return [event["type"].removeprefix("org.hospital.scheduling.") for event in events]


def book(start: str = SLOT, **fields: Any) -> dict[str, Any]:
    body = {"start": start, "location": "123 Main St", "patient": {"id": "p-1", "name": "Ada Lovelace"}, **fields}
    answer = invoke(appointments, event_with("appointments_book", body=body))
    assert answer.status == 201, answer
    booked: dict[str, Any] = answer.json()
    return booked


def on_appointment(name: str, appointment_id: str, body: Any = None) -> None:
    path = {"doctor_id": SAMPLE_DOCTOR_ID, "appointment_id": appointment_id}
    answer = invoke(appointments, event_with(name, path_parameters=path, body=body))
    assert answer.status in {200, 201}, answer


def test_a_day_of_changes_gives_one_event_each_in_order(
    doctor_id: str, clock: Clock, stream: StreamReader, subscriber: Subscriber
) -> None:
    held = invoke(holds, event_with("holds_create", body={"start": LATER, "location": "123 Main St"})).json()
    first = book()
    moved = invoke(
        appointments,
        event_with(
            "appointments_reschedule",
            path_parameters={"doctor_id": doctor_id, "appointment_id": first["id"]},
            body={"start": "2035-06-04T11:00:00-04:00"},
        ),
    ).json()
    converted = book(start=LATER, hold_id=held["id"])
    on_appointment("appointments_cancel", converted["id"], {"reason": "Feeling better, says the patient"})
    on_appointment("appointments_cancel", converted["id"], {"reason": "again"})  # repeated: changes nothing
    clock.set(datetime(2035, 6, 4, 14, 30, tzinfo=UTC))  # check-in opens 2 hours before the start
    on_appointment("appointments_check_in", moved["id"])
    on_appointment("appointments_check_in", moved["id"])  # repeated: changes nothing

    assert consume(stream.new_records()) == []

    published = subscriber.cloudevents()
    # The conversion's two items are one transaction: their records may come in either order.
    conversion = sorted(types(published)[3:5])
    assert [*types(published)[:3], *conversion, *types(published)[5:]] == [
        "hold.created",
        "appointment.booked",
        "appointment.rescheduled",
        "appointment.booked",
        "hold.converted",
        "appointment.cancelled",
        "appointment.checked_in",
    ]
    sequences = [event["sequence"] for event in published]
    assert sequences == sorted(sequences)
    assert len({event["id"] for event in published}) == len(published)
    rescheduled = next(event for event in published if event["type"].endswith("rescheduled"))
    assert rescheduled["data"]["previous_appointment_id"] == first["id"]
    assert rescheduled["subject"] == f"/doctors/{doctor_id}/appointments/{moved['id']}"
    assert "Ada" not in str(published)
    assert "Feeling" not in str(published)


def test_completion_and_no_show_each_give_one_event_and_repeats_nothing(
    doctor_id: str, clock: Clock, stream: StreamReader, subscriber: Subscriber
) -> None:
    visit = book()
    missed = book(LATER)
    clock.set(datetime(2035, 6, 4, 13, 45, tzinfo=UTC))  # during the 09:30 (New York) visit
    on_appointment("appointments_check_in", visit["id"])
    on_appointment("appointments_complete", visit["id"])
    on_appointment("appointments_complete", visit["id"])  # repeated: changes nothing
    clock.set(datetime(2035, 6, 4, 14, 40, tzinfo=UTC))  # after the 10:30 start of the missed one
    on_appointment("appointments_no_show", missed["id"])
    on_appointment("appointments_no_show", missed["id"])  # repeated: changes nothing

    assert consume(stream.new_records()) == []

    published = subscriber.cloudevents()
    assert types(published) == [
        "appointment.booked",
        "appointment.booked",
        "appointment.checked_in",
        "appointment.completed",
        "appointment.no_show",
    ]
    assert published[-1]["subject"] == f"/doctors/{doctor_id}/appointments/{missed['id']}"
    assert published[-1]["data"]["status"] == "no_show"


def test_doctor_writes_that_change_nothing_emit_nothing(
    aws: None, stream: StreamReader, subscriber: Subscriber
) -> None:
    created = invoke(doctors, event_with("doctors_create")).json()
    body = {
        key: value
        for key, value in created.items()
        if key not in {"id", "created_at", "updated_at", "created_by", "updated_by"}
    }
    path = {"doctor_id": created["id"]}
    invoke(doctors, event_with("doctors_replace", path_parameters=path, body=body))  # the same fields again
    invoke(doctors, event_with("doctors_patch", path_parameters=path, body={"name": "Lisa Cuddy"}))
    invoke(doctors, event_with("doctors_delete", path_parameters=path))

    assert consume(stream.new_records()) == []

    published = subscriber.cloudevents()
    assert types(published) == ["doctor.created", "doctor.updated", "doctor.deleted"]
    assert published[1]["data"]["changed"] == ["name"]
    assert {event["subject"] for event in published} == {f"/doctors/{created['id']}"}


class FailingAt:
    """A PutEvents that fails the entry with this CloudEvent type the first `times` times it is sent."""

    def __init__(self, client: Any, failing_type: str, times: int = 1) -> None:
        self._client = client
        self._type = failing_type
        self.left = times

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803  # boto3's name
        for index, entry in enumerate(Entries):
            if self.left and entry["DetailType"].endswith(self._type):
                self.left -= 1
                sent = self._client.put_events(Entries=Entries[:index]) if index else {"Entries": []}
                failed = {"ErrorCode": "InternalFailure", "ErrorMessage": "injected"}
                rest = [failed] * (len(Entries) - index)
                return {"FailedEntryCount": len(rest), "Entries": [*sent["Entries"], *rest]}
        result: dict[str, Any] = self._client.put_events(Entries=Entries)
        return result


@pytest.fixture
def failing_publisher(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], FailingAt]:
    def install(failing_type: str) -> FailingAt:
        real = events_app.publisher()
        failing = FailingAt(real._client, failing_type)
        monkeypatch.setattr(events_app, "publisher", lambda: Publisher(failing, real._bus))  # type: ignore[arg-type]
        return failing

    return install


def test_a_batch_failing_in_the_middle_is_retried_from_there_without_loss_reordering_or_new_ids(
    doctor_id: str, clock: Clock, stream: StreamReader, subscriber: Subscriber, failing_publisher: Any
) -> None:
    for start in ("2035-06-04T09:00:00-04:00", SLOT, "2035-06-04T10:00:00-04:00", LATER):
        book(start)
    records = stream.new_records()
    failing_publisher("appointment.booked")  # the first booking's entry fails once

    failed = consume(records)
    first_failed = next(i for i, record in enumerate(records) if record["dynamodb"]["SequenceNumber"] == failed[0])
    retry = records[first_failed:]  # Lambda resumes from the lowest sequence number reported
    again = consume(retry)

    assert failed == [record["dynamodb"]["SequenceNumber"] for record in records[first_failed:]]
    assert again == []
    published = subscriber.cloudevents()
    assert types(published) == ["appointment.booked"] * 4
    starts = [event["data"]["start"] for event in published]
    assert starts == sorted(starts)
    assert len({event["id"] for event in published}) == 4


def test_a_redelivered_batch_publishes_the_same_ids(
    doctor_id: str, clock: Clock, stream: StreamReader, subscriber: Subscriber
) -> None:
    book()
    records = stream.new_records()

    consume(records)
    consume(records)  # Lambda delivers at least once

    published = subscriber.cloudevents()
    assert types(published) == ["appointment.booked", "appointment.booked"]
    assert published[0]["id"] == published[1]["id"]
    assert published[0] == published[1]


def test_a_poison_record_is_reported_with_everything_after_it_and_the_records_before_it_are_published(
    doctor_id: str, clock: Clock, stream: StreamReader, subscriber: Subscriber
) -> None:
    book("2035-06-04T09:00:00-04:00")
    book(SLOT)
    book(LATER)
    records = stream.new_records()
    slots = [i for i, record in enumerate(records) if record["dynamodb"]["Keys"]["SK"]["S"].startswith("SLOT#")]
    poisoned = records[slots[1]]
    del poisoned["dynamodb"]["NewImage"]["start"]  # an appointment image without its start

    failed = consume(records)

    assert failed == [record["dynamodb"]["SequenceNumber"] for record in records[slots[1] :]]
    assert [event["data"]["start"] for event in subscriber.cloudevents()] == ["2035-06-04T13:00:00Z"]


def test_unknown_and_bookkeeping_items_pass_through_without_events_or_failures(
    doctor_id: str, stream: StreamReader, subscriber: Subscriber
) -> None:
    import boto3

    table = TABLES["SchedulingTable"]
    client = boto3.client("dynamodb")
    client.put_item(TableName=table, Item={"PK": {"S": "SPECIALTY#cardiology"}, "SK": {"S": f"DOCTOR#{doctor_id}"}})
    client.put_item(
        TableName=table, Item={"PK": {"S": f"DOCTOR#{doctor_id}"}, "SK": {"S": "SEARCH#x"}, "n": {"N": "1"}}
    )

    assert consume(stream.new_records()) == []
    assert subscriber.cloudevents() == []


def test_a_failed_put_events_call_reports_the_whole_batch(
    doctor_id: str, stream: StreamReader, subscriber: Subscriber, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.exceptions import ClientError

    class Down:
        def put_events(self, **_: Any) -> dict[str, Any]:
            raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "down"}}, "PutEvents")

    monkeypatch.setattr(events_app, "publisher", lambda: Publisher(Down(), "bus"))  # type: ignore[arg-type]
    records = stream.new_records()

    assert consume(records) == [record["dynamodb"]["SequenceNumber"] for record in records]
    assert subscriber.cloudevents() == []


def test_the_sample_stream_event_becomes_one_appointment_booked_without_the_patients_name(
    subscriber: Subscriber,
) -> None:
    from tests.support.lambda_events import sample_event

    assert consume(sample_event("stream_booking")["Records"]) == []

    [event] = subscriber.cloudevents()
    assert event["type"] == "org.hospital.scheduling.appointment.booked"
    assert event["data"]["patient_id"] == "p-123"
    assert "Ada" not in str(event)
