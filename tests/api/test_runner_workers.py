"""The runner survives what a Lambda fleet survives: a worker process that dies is replaced, and stopping is quick."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.api.conftest import Runner, new_doctor, own_runner
from tests.api.test_runner_shedding import WARD_DOCTOR

# Concurrency against the runner: run alone, so that a neighbouring test's CPU does not change the race.
pytestmark = pytest.mark.serial

A_MONTH = {"from": "2035-06-01T00:00:00Z", "to": "2035-07-01T00:00:00Z"}  # 8,640 free slots: a slow-ish request


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runner]:
    """One worker per function, so the test knows which process serves a request."""
    with own_runner(
        tmp_path_factory.mktemp("workers"), environment={"LOCAL_CONCURRENCY": "1", "LOCAL_PRESTART": "true"}
    ) as started:
        yield started


@pytest.fixture(scope="module")
def doctor_id(runner: Runner) -> str:
    return new_doctor(runner.api, WARD_DOCTOR)


def in_background(call: Callable[[], requests.Response]) -> Callable[[], requests.Response | Exception]:
    """Start `call` on a thread; the returned function waits for its answer (or the error it raised)."""
    outcome: list[requests.Response | Exception] = []

    def run() -> None:
        try:
            outcome.append(call())
        except Exception as error:  # the test reads what happened
            outcome.append(error)

    thread = threading.Thread(target=run)
    thread.start()

    def answer() -> requests.Response | Exception:
        thread.join(timeout=30)
        assert outcome, "no outcome within 30 s"
        return outcome[0]

    return answer


def busy_worker(runner: Runner, function: str) -> dict[str, Any]:
    """The function's worker, once it is serving a request."""
    for _ in range(500):
        (worker,) = runner.workers(function)
        if worker["busy"]:
            return worker
        time.sleep(0.005)
    raise AssertionError(f"{function}'s worker never became busy")


def test_a_worker_killed_mid_request_is_replaced_and_the_next_requests_are_served(
    runner: Runner, doctor_id: str
) -> None:
    slots = f"/doctors/{doctor_id}/slots"
    killed: list[int] = []
    interrupted = []
    for _ in range(5):  # the kill usually lands mid-request; a request that finished first is a 200
        answer = in_background(lambda: requests.get(runner.api.base_url + slots, params=A_MONTH, timeout=10))
        worker = busy_worker(runner, "AvailabilityFunction")
        os.kill(worker["pid"], signal.SIGKILL)
        killed.append(worker["pid"])
        in_flight = answer()
        assert isinstance(in_flight, requests.Response), in_flight
        assert in_flight.status_code in {200, 503}, in_flight.text
        if in_flight.status_code == 503:
            interrupted.append(in_flight)
            break

    assert interrupted, "the kill never landed during a request"
    assert interrupted[0].headers["Content-Type"] == "application/problem+json"
    assert interrupted[0].headers["Retry-After"] == "1"
    assert interrupted[0].json()["status"] == 503
    following = [runner.api.get(slots, params={"from": "2035-06-04", "to": "2035-06-05"}) for _ in range(3)]
    assert [answer.status_code for answer in following] == [200, 200, 200]
    assert len(following[0].json()["items"]) == 288
    (replacement,) = runner.workers("AvailabilityFunction")
    assert replacement["pid"] not in killed


def test_a_worker_killed_while_idle_is_replaced_without_failing_a_request(runner: Runner, doctor_id: str) -> None:
    (worker,) = runner.workers("DoctorsFunction")
    os.kill(worker["pid"], signal.SIGKILL)

    answer = runner.api.get(f"/doctors/{doctor_id}")

    assert answer.status_code == 200
    assert answer.json()["name"] == "Always Open"
    (replacement,) = runner.workers("DoctorsFunction")
    assert replacement["pid"] != worker["pid"]


def test_sigterm_during_a_request_stops_the_runner_and_its_workers_promptly(tmp_path: Path) -> None:
    with own_runner(tmp_path, environment={"LOCAL_CONCURRENCY": "1", "LOCAL_PRESTART": "true"}) as runner:
        slots = f"/doctors/{new_doctor(runner.api, WARD_DOCTOR)}/slots"
        functions = ("DoctorsFunction", "AvailabilityFunction", "AppointmentsFunction")
        pids = [worker["pid"] for function in functions for worker in runner.workers(function)]
        answer = in_background(lambda: requests.get(runner.api.base_url + slots, params=A_MONTH, timeout=10))
        busy_worker(runner, "AvailabilityFunction")
        runner.process.send_signal(signal.SIGTERM)
        code = runner.process.wait(timeout=60)  # about a second here; the generous bound only tells "not hung"

    assert code == 0
    assert "Local API stopped." in runner.log.read_text()
    in_flight = answer()  # answered, or its connection closed: never left waiting until the client's timeout
    assert not isinstance(in_flight, requests.Timeout)
    if isinstance(in_flight, requests.Response):
        assert in_flight.status_code in {200, 503}
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
