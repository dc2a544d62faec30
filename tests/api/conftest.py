"""The local runner started once per test session on a free port; tests talk to it over real HTTP."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import boto3
import pytest
import requests
from botocore.config import Config

from local.process import free_port, start_runner
from local.template import load_template, table_names

EMBEDDED_DYNAMODB = re.compile(r"DynamoDB: embedded \(moto, in memory, at (http://127\.0\.0\.1:\d+)\)")

WEEK = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# The doctor `new_doctor` creates unless told otherwise: bookable at every hour of every day.
ALWAYS_OPEN: dict[str, Any] = {
    "name": "Always Open",
    "locations": ["North Wing"],
    "timezone": "UTC",
    "slot_minutes": 30,
    "schedule": {day: [{"start": "00:00", "end": "24:00"}] for day in WEEK},
}


def local_client(service: Literal["dynamodb", "scheduler"], endpoint: str, **config: Any) -> Any:
    """A boto3 client of `service` at a local endpoint (the runner's embedded moto, or another local server)."""
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",  # moto's, not a secret
        config=Config(**config),
    )


class Api:
    def __init__(self, base_url: str, dynamodb_url: str | None = None, timeout_seconds: float = 30) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.dynamodb_url = dynamodb_url
        self.timeout_seconds = timeout_seconds

    def stored_items(self, doctor_id: str) -> list[dict[str, Any]]:
        """Every item of a doctor's partition, read straight from the runner's embedded DynamoDB: what is
        stored, whatever the API would answer (e.g. after the doctor was deleted). One Query per page."""
        assert self.dynamodb_url, "the runner did not say where its embedded DynamoDB is"
        client = local_client("dynamodb", self.dynamodb_url)
        table = table_names(load_template())["SchedulingTable"]
        paginator = client.get_paginator("query")
        pages = paginator.paginate(
            TableName=table,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": {"S": f"DOCTOR#{doctor_id}"}},
            ConsistentRead=True,
        )
        return [item for page in pages for item in page["Items"]]

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, f"{self.base_url}{path}", timeout=self.timeout_seconds, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)


def created_doctor(api: Api, base: Mapping[str, Any] = ALWAYS_OPEN, /, **fields: Any) -> dict[str, Any]:
    """POST /doctors with `base`'s fields and `fields` over them; the 201 body (anything else fails the test)."""
    answer = api.post("/doctors", json={**base, **fields})
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def new_doctor(api: Api, base: Mapping[str, Any] = ALWAYS_OPEN, /, **fields: Any) -> str:
    """The id of a doctor created as `created_doctor` does: the one factory of the API tests' doctors."""
    return str(created_doctor(api, base, **fields)["id"])


@dataclass
class Runner:
    """A runner of a test's own, for its settings or to be killed and stopped."""

    api: Api
    process: subprocess.Popen[bytes]
    log: Path

    def workers(self, function: str) -> list[dict[str, Any]]:
        """What /_local/workers says about `function`'s worker processes (pid, busy, sys_path, handler_file)."""
        described: list[dict[str, Any]] = self.api.get("/_local/workers").json()[function]
        return described


@contextmanager
def own_runner(folder: Path, *arguments: str, environment: dict[str, str] | None = None) -> Iterator[Runner]:
    port = free_port()
    log = folder / f"runner-{port}.log"
    # Each serves two or three of the nine functions: their workers start with their first requests (the shared
    # runner below keeps the start-up check that every function imports).
    environment = {"LOCAL_PRESTART": "false", **(environment or {})}
    process = start_runner(port, log, "--no-seed", *arguments, environment=environment)
    try:
        yield Runner(Api(f"http://127.0.0.1:{port}"), process, log)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def local_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    port = free_port()
    log = tmp_path_factory.mktemp("runner") / "runner.log"
    # The concurrency tests send bursts of up to 200 requests to 8 workers, and check the booking rules, not
    # shedding (tests/api/test_runner_shedding.py does): on a slow machine a burst waits longer than the default.
    # And no stage throttling: a burst of 200 is the stage's whole burst, and whether the bucket has refilled from
    # the previous test's requests depends on the machine's speed (tests/api/test_runner_throttling.py checks the
    # 429s on a runner of its own).
    process = start_runner(
        port, log, "--no-seed", environment={"LOCAL_QUEUE_WAIT_SECONDS": "60", "LOCAL_THROTTLE_SCALE": "0"}
    )
    found = EMBEDDED_DYNAMODB.search(log.read_text())
    api = Api(f"http://127.0.0.1:{port}", found.group(1) if found else None)
    try:
        yield api
        check_every_event_published(api)
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert "Traceback" not in log.read_text(), log.read_text()


def check_every_event_published(api: Api) -> None:
    """After the whole API suite: every event published is valid against the schema of its type (which has no
    field for a patient's name, a cancel reason or other free text) and carries none of them."""
    import json

    from jsonschema import Draft202012Validator

    from tools.event_schemas import SCHEMAS_DIR

    validators: dict[str, Any] = {}
    after, events = "", []
    while True:
        page = api.get("/_local/events", params={"after": after}).json()
        events += page["items"]
        if page["next"] == after:
            break
        after = page["next"]
    for event in events:
        if event["type"] not in validators:
            schema = json.loads((SCHEMAS_DIR / f"{event['type']}.schema.json").read_text())
            validators[event["type"]] = Draft202012Validator(schema)
        validators[event["type"]].validate(event)
        if not event["type"].endswith((".doctor.created", ".doctor.updated", ".doctor.deleted")):
            assert "name" not in event["data"]
        assert not {"patient", "cancel_reason", "reason"} & set(event["data"])


@pytest.fixture
def api(local_api: Api) -> Api:
    return local_api
