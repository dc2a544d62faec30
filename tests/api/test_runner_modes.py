"""The local runner's own behaviour: sample data, Ctrl-C, and another DynamoDB endpoint."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import requests
from moto.server import ThreadedMotoServer

from local.process import free_port, start_runner


def test_it_seeds_two_sample_doctors_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "runner.log"
    process = start_runner(port, log)
    try:
        doctors = requests.get(f"http://127.0.0.1:{port}/doctors", timeout=30).json()["items"]
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=15)

    assert sorted(doctor["name"] for doctor in doctors) == ["Gregory House", "Lisa Cuddy"]
    assert code == 0
    output = log.read_text()
    assert f"Local API running on http://127.0.0.1:{port}" in output
    assert "Local API stopped." in output
    assert "Traceback" not in output


@pytest.fixture
def other_dynamodb() -> Iterator[str]:
    """A DynamoDB-compatible server in another thread (moto's server), standing in for DynamoDB Local."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def test_dynamodb_endpoint_url_points_it_at_another_dynamodb(tmp_path: Path, other_dynamodb: str) -> None:
    port = free_port()
    process = start_runner(
        port,
        tmp_path / "runner.log",
        "--no-seed",
        environment={
            "DYNAMODB_ENDPOINT_URL": other_dynamodb,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
        },
    )
    try:
        created = requests.post(
            f"http://127.0.0.1:{port}/doctors", json={"name": "Elsewhere", "locations": ["1 Road"]}, timeout=30
        )
    finally:
        process.terminate()
        process.wait(timeout=15)

    assert created.status_code == 201
    client = boto3.client(
        "dynamodb",
        endpoint_url=other_dynamodb,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    assert set(client.list_tables()["TableNames"]) == {"SchedulingTable", "IdempotencyTable"}
    stored = client.get_item(
        TableName="SchedulingTable", Key={"PK": {"S": f"DOCTOR#{created.json()['id']}"}, "SK": {"S": "PROFILE"}}
    )
    assert stored["Item"]["name"] == {"S": "Elsewhere"}
