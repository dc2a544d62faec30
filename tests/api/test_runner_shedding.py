"""When the runner or its DynamoDB is saturated, requests are refused quickly with 503 + Retry-After instead of
queueing without bound; what was answered 201 is stored, and what was refused is not."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError

from local.dynamodb import EmbeddedDynamoDB
from tests.api.conftest import ALWAYS_OPEN, Api, local_client, new_doctor, own_runner

# Concurrency against the runner: run alone, so that a neighbouring test's CPU does not change the race.
pytestmark = pytest.mark.serial

FIRST_SLOT = datetime.fromisoformat("2035-06-04T09:00:00+00:00")
ANSWER_SECONDS = 10  # a request not answered by then counts as hung (requests raises Timeout)


WARD_DOCTOR = {**ALWAYS_OPEN, "locations": ["Ward 1"], "slot_minutes": 5}


def slot(index: int) -> str:
    return (FIRST_SLOT + timedelta(minutes=5 * index)).isoformat().replace("+00:00", "Z")


def book_all_at_once(api: Api, doctor_id: str, starts: list[str]) -> list[requests.Response]:
    url = f"{api.base_url}/doctors/{doctor_id}/appointments"
    gate = threading.Barrier(len(starts))

    def book(start: str) -> requests.Response:
        gate.wait()
        return requests.post(url, json={"start": start, "location": "Ward 1"}, timeout=ANSWER_SECONDS)

    with ThreadPoolExecutor(max_workers=len(starts)) as pool:
        return list(pool.map(book, starts))


def stored_starts(api: Api, doctor_id: str) -> set[str]:
    page = api.get(f"/doctors/{doctor_id}/appointments", params={"limit": 100}).json()
    assert page["next_token"] is None
    return {item["start"] for item in page["items"]}


def assert_retry_later(answer: requests.Response) -> None:
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert int(answer.headers["Retry-After"]) >= 1
    assert answer.json()["status"] == 503


def test_a_burst_beyond_the_queue_bound_is_shed_with_503_and_every_201_is_stored(tmp_path: Path) -> None:
    settings = {"LOCAL_CONCURRENCY": "1", "LOCAL_QUEUE_WAIT_SECONDS": "0.2"}
    with own_runner(tmp_path, environment=settings) as runner:
        doctor_id = new_doctor(runner.api, WARD_DOCTOR)
        starts = [slot(n) for n in range(60)]

        answers = book_all_at_once(runner.api, doctor_id, starts)  # one worker, each booking tens of ms

        statuses = Counter(answer.status_code for answer in answers)
        assert set(statuses) == {201, 503}, statuses
        for answer in answers:
            if answer.status_code == 503:
                assert_retry_later(answer)
                assert "busy" in answer.json()["detail"]
        booked = {start for start, answer in zip(starts, answers, strict=True) if answer.status_code == 201}
        assert stored_starts(runner.api, doctor_id) == booked


@pytest.fixture
def saturable_dynamodb() -> Iterator[EmbeddedDynamoDB]:
    """The runner's embedded DynamoDB, started here so the test can hold its operation lock."""
    dynamodb = EmbeddedDynamoDB(wait_seconds=0.1)
    yield dynamodb
    dynamodb.stop()


def client(endpoint: str, **config: Any) -> Any:
    return local_client("dynamodb", endpoint, **config)


def test_an_operation_that_cannot_get_the_embedded_dynamodb_in_time_is_throttled_not_run(
    saturable_dynamodb: EmbeddedDynamoDB,
) -> None:
    dynamodb = client(saturable_dynamodb.url, retries={"total_max_attempts": 1})
    with saturable_dynamodb.lock, pytest.raises(ClientError) as refused:  # another operation holds DynamoDB
        dynamodb.create_table(
            TableName="Late",
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )

    assert refused.value.response["Error"]["Code"] == "ThrottlingException"
    assert "Late" not in dynamodb.list_tables()["TableNames"]  # refused, not run late
    assert saturable_dynamodb.stats.as_dict()["throttled"] == 1


def test_a_saturated_dynamodb_makes_requests_503_with_retry_after_then_they_succeed(
    tmp_path: Path, saturable_dynamodb: EmbeddedDynamoDB
) -> None:
    with own_runner(tmp_path, environment={"DYNAMODB_ENDPOINT_URL": saturable_dynamodb.url}) as runner:
        doctor_id = new_doctor(runner.api, WARD_DOCTOR)
        with saturable_dynamodb.lock:  # DynamoDB busy with something else for as long as the request lasts
            refused = runner.api.post(
                f"/doctors/{doctor_id}/appointments", json={"start": slot(0), "location": "Ward 1"}
            )
        accepted = runner.api.post(f"/doctors/{doctor_id}/appointments", json={"start": slot(0), "location": "Ward 1"})

        assert refused.status_code == 503
        assert_retry_later(refused)
        assert accepted.status_code == 201
        assert stored_starts(runner.api, doctor_id) == {slot(0)}
