"""The local runner keeps telling events (issue #18, item 7): its event log, stream pump, webhook, TTL sweeper and
scheduler threads survive throttling and errors injected into the embedded services, report their state, and
paging /_local/events with a subject prefix never skips an event."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from local.dynamodb import EmbeddedDynamoDB
from local.event_log import EventLog, cursor, select
from local.problems import BadQuery
from local.scheduler import LocalScheduler
from local.streams import StreamPump
from local.supervised import SupervisedThread
from local.ttl import TimeToLive
from local.webhook import Webhook
from tests.support.waiting import until

BUS = "test-bus"


def throttled(operation: str) -> ClientError:
    return ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, operation)


def failing_first(method: Callable[..., Any], errors: list[Exception]) -> Callable[..., Any]:
    """`method`, raising each of `errors` on the first calls, then answering as usual."""
    left = list(errors)

    def call(**kwargs: Any) -> Any:
        if left:
            raise left.pop(0)
        return method(**kwargs)

    return call


@pytest.fixture
def embedded() -> Iterator[EmbeddedDynamoDB]:
    served = EmbeddedDynamoDB(wait_seconds=5)
    yield served
    served.stop()


def publish(endpoint: str, subjects: list[str]) -> list[str]:
    events = boto3.client("events", endpoint_url=endpoint)
    ids = []
    for index, subject in enumerate(subjects):
        ident = f"event-{index}-{time.monotonic_ns()}"
        detail = {"specversion": "1.0", "id": ident, "type": "test", "source": "test", "subject": subject}
        answer = events.put_events(
            Entries=[{"EventBusName": BUS, "Source": "test", "DetailType": "test", "Detail": json.dumps(detail)}]
        )
        assert answer["FailedEntryCount"] == 0
        ids.append(ident)
    return ids


def logged(log: EventLog, prefix: str = "") -> list[str]:
    return [event["id"] for event in read_all(log, prefix)]


def read_all(log: EventLog, prefix: str = "") -> list[dict[str, Any]]:
    """What a reader gets that pages until the first empty page."""
    found: list[dict[str, Any]] = []
    after = ""
    while True:
        _, body = log.page(f"subject_prefix={prefix}&after={after}")
        page = json.loads(body)
        if not page["items"]:
            return found
        found += page["items"]
        after = page["next"]


def test_the_event_log_survives_throttled_deletes_and_failed_reads(embedded: EmbeddedDynamoDB) -> None:
    handed_on: list[str] = []
    log = EventLog(embedded.url, BUS, lambda event: handed_on.append(event["id"]))
    sqs: Any = log._sqs
    sqs.delete_message_batch = failing_first(sqs.delete_message_batch, [throttled("DeleteMessageBatch")] * 3)
    sqs.receive_message = failing_first(sqs.receive_message, [RuntimeError("injected"), throttled("ReceiveMessage")])
    log.start()
    try:
        first = publish(embedded.url, ["/doctors/a"] * 3)
        until(lambda: logged(log) == first, "the first events despite the faults", every=0.05)
        until(lambda: log.describe()["state"] == "running", "the log to recover", every=0.05)
        second = publish(embedded.url, ["/doctors/b"] * 2)
        until(lambda: logged(log) == first + second, "later events", every=0.05)
    finally:
        log.stop()

    health = log.describe()
    assert health["alive"]
    assert health["errors"] >= 5
    assert "ThrottlingException" in (health["last_error"] or "") or "RuntimeError" in (health["last_error"] or "")
    assert handed_on == first + second  # each event handed on (to the webhook) once, in order


def test_an_event_delivered_again_after_a_lost_delete_is_logged_once(embedded: EmbeddedDynamoDB) -> None:
    log = EventLog(embedded.url, BUS)
    sqs: Any = log._sqs
    receive = sqs.receive_message

    def receive_twice(**kwargs: Any) -> Any:
        answer = receive(**kwargs)
        if answer.get("Messages"):  # the queue hands the batch out again, as after a visibility timeout
            answer["Messages"] = answer["Messages"] * 2
        return answer

    sqs.receive_message = receive_twice
    log.start()
    try:
        ids = publish(embedded.url, ["/doctors/a", "/doctors/b"])
        until(lambda: logged(log) == ids, "both events", every=0.05)
        time.sleep(0.5)  # a duplicate would be logged by now: the loop polls every 0.1 s
        assert logged(log) == ids
    finally:
        log.stop()


def test_the_stream_pump_survives_throttled_reads_and_a_consumer_that_raises(embedded: EmbeddedDynamoDB) -> None:
    dynamodb = boto3.client("dynamodb", endpoint_url=embedded.url)
    dynamodb.create_table(
        TableName="pumped",
        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    seen: list[str] = []

    class Consumer:
        class package:  # noqa: N801 - the shape of FunctionWorkers.package
            function = "FakeConsumer"

        calls = 0

        def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
            Consumer.calls += 1
            if Consumer.calls == 1:
                raise RuntimeError("a bug in the runner's invoke path")
            seen.extend(record["dynamodb"]["Keys"]["PK"]["S"] for record in event["Records"])
            return {"batchItemFailures": []}

    pump = StreamPump(embedded.url, "pumped", Consumer())  # type: ignore[arg-type]
    streams: Any = pump._streams
    streams.get_records = failing_first(streams.get_records, [throttled("GetRecords")] * 3)
    streams.describe_stream = failing_first(streams.describe_stream, [throttled("DescribeStream")])
    for key in ("a", "b", "c"):
        dynamodb.put_item(TableName="pumped", Item={"PK": {"S": key}})
    pump.start()
    try:
        until(lambda: seen == ["a", "b", "c"], "every record, once, in order", every=0.05)
        until(lambda: pump.describe()["state"] == "running", "the pump to recover", every=0.05)
    finally:
        pump.stop()

    health = pump.describe()
    assert health["alive"]
    assert health["errors"] >= 5


def test_the_webhook_goes_on_after_a_garbled_answer() -> None:
    answers = iter([b"this is not HTTP\r\n\r\n"])
    received: list[str] = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            garbled = next(answers, None)
            if garbled is not None:
                self.wfile.write(garbled)
                return
            received.append(json.loads(body)["id"])
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook = Webhook(f"http://127.0.0.1:{server.server_port}/", backoff_seconds=0.01)
    hook.start()
    try:
        for ident in ("one", "two"):
            hook.send({"specversion": "1.0", "id": ident, "type": "test", "source": "test", "subject": "/x"})
        until(lambda: received == ["one", "two"], "both deliveries", every=0.05)
    finally:
        hook.stop()
        server.shutdown()
        server.server_close()

    assert hook.describe()["errors"] >= 1
    assert hook.given_up == 0


# Paging


def test_a_reader_that_stops_at_the_first_empty_page_sees_every_match() -> None:
    events = [{"id": str(index), "subject": "/doctors/other"} for index in range(2500)]
    events[1200]["subject"] = events[2499]["subject"] = "/doctors/wanted"

    found, after = [], 0
    while True:
        items, after = select(events, "/doctors/wanted", after)
        if not items:
            break
        found += [item["id"] for item in items]

    assert found == ["1200", "2499"]
    assert after == len(events)


def test_a_full_page_ends_at_its_last_match_and_the_next_page_goes_on_from_there() -> None:
    events = [{"id": str(index), "subject": "/doctors/x" if index % 2 else "/y"} for index in range(10)]

    first, after = select(events, "/doctors/", 0, limit=2)
    second, after_second = select(events, "/doctors/", after, limit=10)

    assert [item["id"] for item in first] == ["1", "3"]
    assert after == 4
    assert [item["id"] for item in second] == ["5", "7", "9"]
    assert after_second == len(events)


@pytest.mark.parametrize("after", ["abc", "-1", "1.5", " 1", "+1", "\u0661", "11", "99999999999999999999"])
def test_a_bad_cursor_is_refused_not_read_as_the_start(after: str) -> None:
    with pytest.raises(BadQuery):
        cursor(after, 10)


@pytest.mark.parametrize(("after", "position"), [("", 0), ("0", 0), ("7", 7), ("10", 10)])
def test_good_cursors(after: str, position: int) -> None:
    assert cursor(after, 10) == position


# The periodic threads (TTL sweeper, one-time schedules) run supervised like the event threads.


def failing_twice(answer: Any) -> tuple[Callable[..., Any], list[int]]:
    """A stand-in that raises on its first two calls, then answers `answer`; and the list of its calls."""
    calls: list[int] = []

    def call(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) <= 2:
            raise RuntimeError("injected")
        return answer

    return call, calls


@pytest.fixture
def stopping() -> Iterator[list[SupervisedThread | TimeToLive | LocalScheduler]]:
    started: list[SupervisedThread | TimeToLive | LocalScheduler] = []
    yield started
    for part in started:
        part.stop()


def test_the_ttl_sweeper_survives_failing_sweeps_and_reports_them(
    monkeypatch: pytest.MonkeyPatch, stopping: list[Any]
) -> None:
    sweep, _ = failing_twice(1)  # one item deleted by each sweep that goes through
    monkeypatch.setattr("local.ttl.sweep", sweep)
    ttl = TimeToLive(threading.Lock(), {"t": "ttl"}, every_seconds=0.01)
    stopping.append(ttl)

    ttl.start()
    until(lambda: ttl.deleted >= 2, "two sweeps after the two failures")

    health = ttl.describe()
    assert (health["name"], health["alive"], health["state"], health["errors"]) == ("time-to-live", True, "running", 2)
    assert health["last_error"] == "RuntimeError: injected"
    assert health["deleted"] >= 2


def test_the_scheduler_survives_failing_rounds_and_reports_them(
    aws: None, monkeypatch: pytest.MonkeyPatch, stopping: list[Any]
) -> None:
    scheduler = LocalScheduler("https://scheduler.us-east-1.amazonaws.com", ["group"], {}, every_seconds=0.01)
    run_due, calls = failing_twice(0)
    monkeypatch.setattr(scheduler, "run_due", run_due)
    stopping.append(scheduler)

    scheduler.start()
    until(lambda: len(calls) >= 4, "two rounds after the two failures")

    health = scheduler.describe()
    assert (health["name"], health["alive"], health["state"], health["errors"]) == ("scheduler", True, "running", 2)
    assert isinstance(datetime.fromisoformat(health["last_error_at"]), datetime)
