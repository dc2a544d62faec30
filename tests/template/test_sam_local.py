"""The real SAM CLI runs what we ship: every events/ sample through `sam local start-lambda` (the invoke path of
`sam local invoke`, with warm containers), and the receptionist's flow over HTTP through `sam local start-api`.

Each function runs in its own container (Docker, else podman; `make test` installs podman as root) on the base
image local/sam_image/ picks, against the embedded DynamoDB with the sample doctors (local/sam_local.py).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config

from local.process import free_port
from local.sam_local import SAM_CLI, SamLocal, sam_local, target_function
from tests.api.conftest import Api
from tests.api.test_workflow_http import test_search_hold_convert_check_in_complete as receptionist_flow
from tests.support.lambda_events import EVENTS
from tests.template.artifacts import TWIN, shared_build
from tests.template.every_sample import SAMPLES, serve_every_sample

ROOT = Path(__file__).resolve().parents[2]
PYTHON313 = os.environ.get("PYTHON313", sys.executable if sys.version_info[:2] == (3, 13) else "")
START_TIMEOUT_SECONDS = 300  # the first start builds the functions' images

pytestmark = [
    pytest.mark.skipif(not PYTHON313, reason="needs CPython 3.13 (make test sets PYTHON313)"),
]


@pytest.fixture(scope="module")
def local() -> Iterator[SamLocal]:
    # The x86_64 twin's build (tests/template/artifacts.py): `sam build` with this machine's wheels, as `sam
    # local` needs, made once for the built-artifact checks too.
    with sam_local(PYTHON313, port=free_port(), built_by=shared_build(TWIN) / "build") as ready:
        yield ready


@contextmanager
def sam_service(local: SamLocal, command: str, log: Path) -> Iterator[str]:
    """`sam local <command>` (start-lambda or start-api) on a free port until the block ends: its URL."""
    port = free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [SAM_CLI, "local", command, "--port", str(port), "--warm-containers", "LAZY", *local.arguments()],
            cwd=ROOT,
            env=local.environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not _listening(port):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGINT)  # the SAM CLI removes its warm containers on Ctrl-C
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_every_sample_is_served_through_sam_local(local: SamLocal, tmp_path: Path) -> None:
    """Given sam local's Lambda endpoint, when every sample is invoked in order, each gets its answer."""
    local.reset(seed=False)  # the samples' own doctor is then the only one their search finds
    with sam_service(local, "start-lambda", tmp_path / "start-lambda.log") as url:
        client = boto3.client(
            "lambda",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",  # the SAM CLI's, not a secret
            # a function's first invoke waits for sam to build its image with the layer, then for the container's
            # first answer (up to SAM_CLI_CONTAINER_CONNECTION_TIMEOUT, 300 s): generous, never reached when well
            config=Config(read_timeout=420, retries={"total_max_attempts": 1}),
        )

        def invoke(function: str, event: dict[str, Any]) -> dict[str, Any]:
            answer = client.invoke(FunctionName=function, Payload=json.dumps(event).encode())
            result: dict[str, Any] = json.loads(answer["Payload"].read())
            return result

        served = serve_every_sample(invoke)

    assert sorted(set(served)) == SAMPLES


def test_every_sample_names_the_function_sam_local_invoke_runs() -> None:
    """`make sam-invoke EVENT=...` picks the function from the sample's route (or the stream it reads)."""
    chosen = {path.stem: target_function(json.loads(path.read_text())) for path in EVENTS.glob("*.json")}

    assert chosen["doctors_get"] == "DoctorsFunction"
    assert chosen["slots_list"] == "AvailabilityFunction"
    assert chosen["holds_create"] == "HoldsFunction"
    assert chosen["appointments_book"] == "AppointmentsFunction"
    assert chosen["fhir_find"] == "FhirFunction"
    assert chosen["stream_booking"] == "EventsFunction"


def test_the_sample_doctors_are_served_by_sam_local_start_api(local: SamLocal, tmp_path: Path) -> None:
    """make sam-api's DynamoDB holds the sample doctors, with the ids the samples name; the flow books over HTTP."""
    local.reset(seed=True)
    with sam_service(local, "start-api", tmp_path / "start-api.log") as url:
        doctors = requests.get(f"{url}/doctors", timeout=420).json()["items"]
        receptionist_flow(Api(url, timeout_seconds=420))  # search, hold, convert, check in, complete over HTTP

    assert {doctor["name"]: doctor["id"] for doctor in doctors} == {
        "Gregory House": "0f8fad5bd9cb469fa16570867728950e",  # the doctor events/ names
        "Lisa Cuddy": "7c9e6679742540de944be07fc1f90ae7",
    }
