"""The local runner keeps its data across restarts (`--state`, `make run`'s default) and seeds a big hospital."""

from __future__ import annotations

import json
import pickle
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from moto.dynamodb.models.dynamo_type import DynamoType

from local.process import free_port, start_runner
from local.seed_hospital import CLINICS, MAIN_CAMPUS, doctor_id
from local.state import SNAPSHOT
from tests.api.conftest import Api, created_doctor

SAMPLES = {"0f8fad5bd9cb469fa16570867728950e", "7c9e6679742540de944be07fc1f90ae7"}
PATIENCE_SECONDS = 120  # generous: only tells "saved" from "never saved"


@contextmanager
def runner(folder: Path, *arguments: str, environment: dict[str, str] | None = None) -> Iterator[str]:
    port = free_port()
    # Workers start with their first requests (tests/api/conftest.py's `own_runner` says why).
    environment = {"LOCAL_PRESTART": "false", **(environment or {})}
    process = start_runner(port, folder / f"runner-{port}.log", *arguments, environment=environment)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def all_doctors(base: str, limit: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    token = None
    while True:
        answer = requests.get(
            f"{base}/doctors", params={"limit": limit, **({"next_token": token} if token else {})}, timeout=60
        )
        assert answer.status_code == 200, answer.text
        found += answer.json()["items"]
        token = answer.json()["next_token"]
        if token is None:
            return found


def kept_doctor(base: str) -> dict[str, Any]:
    monday = {"monday": [{"start": "09:00", "end": "12:00"}]}
    kept = {"name": "Kept Doctor", "locations": ["Ward 9"], "schedule": monday}
    return created_doctor(Api(base), kept)


def test_what_was_written_is_there_after_a_restart_and_fresh_starts_empty(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with runner(tmp_path, "--state", str(state)) as base:
        created = kept_doctor(base)
        booked = requests.post(
            f"{base}/doctors/{created['id']}/appointments",
            json={"start": "2035-06-04T09:30:00Z", "location": "Ward 9"},
            timeout=60,
        )
        assert booked.status_code == 201, booked.text
    # stopped with SIGTERM, as Ctrl-C: saved on the way out

    with runner(tmp_path, "--state", str(state)) as base:
        kept = requests.get(f"{base}/doctors/{created['id']}", timeout=60)
        appointment = requests.get(f"{base}{booked.headers['Location']}", timeout=60)
        taken = requests.post(
            f"{base}/doctors/{created['id']}/appointments",
            json={"start": "2035-06-04T09:30:00Z", "location": "Ward 9"},
            timeout=60,
        )
        after_restart = {doctor["id"] for doctor in all_doctors(base, 100)}

    with runner(tmp_path, "--state", str(state), "--fresh") as base:
        forgotten = requests.get(f"{base}/doctors/{created['id']}", timeout=60)
        after_fresh = {doctor["id"] for doctor in all_doctors(base, 100)}

    assert kept.status_code == 200
    assert kept.json() == created
    assert appointment.status_code == 200
    assert appointment.json() == booked.json()
    assert taken.status_code == 409  # the kept booking still holds its slot
    assert after_restart == SAMPLES | {created["id"]}  # the samples kept their ids and were not seeded twice
    assert forgotten.status_code == 404
    assert after_fresh == SAMPLES


def saved(state: Path, doctor: str) -> bool:
    """Whether the snapshot on disk holds the doctor's partition."""
    try:
        snapshot = pickle.loads((state / SNAPSHOT).read_bytes())  # the runner's own file
    except (OSError, EOFError, pickle.UnpicklingError):
        return False  # not written yet
    return DynamoType({"S": f"DOCTOR#{doctor}"}) in snapshot["tables"]["SchedulingTable"]


def test_after_a_crash_what_was_saved_before_it_is_there(tmp_path: Path) -> None:
    state = tmp_path / "state"
    port = free_port()
    process = start_runner(
        port,
        tmp_path / "crashed.log",
        "--state",
        str(state),
        environment={"LOCAL_STATE_SAVE_SECONDS": "0.2", "LOCAL_PRESTART": "false"},
    )
    try:
        created = kept_doctor(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + PATIENCE_SECONDS
        while not saved(state, created["id"]) and time.monotonic() < deadline:  # the periodic save after a write
            time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGKILL)  # no clean stop: no save on the way out
        process.wait(timeout=30)

    with runner(tmp_path, "--state", str(state)) as base:
        kept = requests.get(f"{base}/doctors/{created['id']}", timeout=60)

    assert kept.status_code == 200
    assert kept.json() == created


def test_a_small_hospital_is_seeded_once_and_served_at_every_page_size(tmp_path: Path) -> None:
    state = tmp_path / "state"
    size = 12
    with runner(
        tmp_path, "--no-seed", "--seed", "hospital", "--hospital-doctors", str(size), "--state", str(state)
    ) as base:
        pages = {limit: all_doctors(base, limit) for limit in (1, 5, 100)}
        search = requests.get(f"{base}/slots", params={"location": MAIN_CAMPUS, "limit": "100"}, timeout=60)
        clinic = requests.get(f"{base}/slots", params={"location": CLINICS[1], "limit": "100"}, timeout=60)
        booked = [
            requests.get(f"{base}/doctors/{doctor_id(number)}/appointments", timeout=60).json()["items"]
            for number in range(1, size + 1)
        ]
        marker = kept_doctor(base)["id"]  # published after the seed: once it is, the seed's would have been too
        deadline = time.monotonic() + PATIENCE_SECONDS
        events = requests.get(f"{base}/_local/events", timeout=60).json()
        while marker not in json.dumps(events) and time.monotonic() < deadline:
            time.sleep(0.2)
            events = requests.get(f"{base}/_local/events", timeout=60).json()
    with runner(
        tmp_path, "--no-seed", "--seed", "hospital", "--hospital-doctors", str(size), "--state", str(state)
    ) as base:
        again = all_doctors(base, 100)

    expected = {doctor_id(number) for number in range(1, size + 1)}
    assert all({doctor["id"] for doctor in page} == expected for page in pages.values())
    assert all(len(page) == size for page in pages.values())
    assert search.status_code == 200, search.text
    assert {slot["doctor_id"] for slot in search.json()["items"]} <= expected
    assert search.json()["items"]
    assert clinic.status_code == 200, clinic.text
    assert {slot["doctor_id"] for slot in clinic.json()["items"]} == {
        doctor_id(n) for n in range(1, size + 1) if n % len(CLINICS) == 1
    }
    assert sum(len(appointments) for appointments in booked) > size  # a month of bookings
    assert all(appointment["status"] == "booked" for appointments in booked for appointment in appointments)
    assert marker in json.dumps(events)
    assert not [number for number in range(1, size + 1) if doctor_id(number) in json.dumps(events)]  # not the seed
    assert {doctor["id"] for doctor in again} == expected | {marker}  # kept, not seeded twice


def test_the_runner_stops_cleanly_with_a_state_directory(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "runner.log"
    process: subprocess.Popen[bytes] = start_runner(port, log, "--state", str(tmp_path / "state"))
    process.send_signal(signal.SIGINT)
    code = process.wait(timeout=60)

    assert code == 0
    assert "Local API stopped." in log.read_text()
    assert "Traceback" not in log.read_text()
    assert (tmp_path / "state" / SNAPSHOT).exists()  # the seeded samples were saved
