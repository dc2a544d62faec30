"""The local runner's own behaviour: sample data, Ctrl-C and SIGTERM, and another DynamoDB endpoint."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from moto.server import ThreadedMotoServer

from local.process import free_port, start_runner
from tests.api.conftest import local_client


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
    # The ids the samples in events/ name (local/sample_doctors.json): every run seeds the same doctors.
    assert {doctor["name"]: doctor["id"] for doctor in doctors} == {
        "Gregory House": "0f8fad5bd9cb469fa16570867728950e",
        "Lisa Cuddy": "7c9e6679742540de944be07fc1f90ae7",
    }
    assert code == 0
    output = log.read_text()
    assert f"Local API running on http://127.0.0.1:{port}" in output
    assert "Local API stopped." in output
    assert "Traceback" not in output


BURST = 200
STOP_BOUND_SECONDS = 60  # it stops in about a second; a generous bound only tells "stopped" from "hung"


def create_doctor(base_url: str, number: int) -> int | str:
    try:
        answer = requests.post(
            f"{base_url}/doctors", json={"name": f"Doctor {number}", "locations": ["Ward 1"]}, timeout=30
        )
    except requests.RequestException as error:  # cut off by the stop
        return type(error).__name__
    return answer.status_code


@pytest.mark.serial  # concurrent requests: alone, so the race is the test's own
def test_sigterm_during_a_burst_stops_it_and_its_workers_promptly(tmp_path: Path) -> None:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = tmp_path / "runner.log"
    process = start_runner(port, log, "--no-seed", environment={"LOCAL_QUEUE_WAIT_SECONDS": "60"})
    with ThreadPoolExecutor(BURST) as clients:
        try:
            answered = list(clients.map(create_doctor, [base_url] * BURST, range(BURST)))
            workers = requests.get(f"{base_url}/_local/workers", timeout=30).json()
            in_flight = [clients.submit(create_doctor, base_url, number) for number in range(BURST)]
            time.sleep(0.5)  # the second burst is being served
        finally:
            process.send_signal(signal.SIGTERM)
            began = time.monotonic()
            try:
                code = process.wait(timeout=STOP_BOUND_SECONDS)
            finally:
                process.kill()
                stopped_after = time.monotonic() - began
        for request in in_flight:
            request.result()  # each ended one way or another: no client hangs on a stopped runner

    assert answered.count(201) == BURST
    assert code == 0, f"exit code {code} after {stopped_after:.1f} s"
    output = log.read_text()
    assert "Local API stopped." in output
    assert "Traceback" not in output, output
    pids = [worker["pid"] for function in workers.values() for worker in function]
    assert pids
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # every worker ended with the runner


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
    client = local_client("dynamodb", other_dynamodb)
    assert set(client.list_tables()["TableNames"]) == {"SchedulingTable", "IdempotencyTable"}
    stored = client.get_item(
        TableName="SchedulingTable", Key={"PK": {"S": f"DOCTOR#{created.json()['id']}"}, "SK": {"S": "PROFILE"}}
    )
    assert stored["Item"]["name"] == {"S": "Elsewhere"}
