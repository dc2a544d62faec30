"""Holds at the edges of time, over real HTTP against the local runner (issue #18, items 1 and 3).

- Concurrent conversions of one hold (native, and FHIR `$book` of one pending appointment) all answer the one
  appointment; none is `409 patient-busy` about its own result.
- Conversions, bookings, holds and reschedules sent around a hold's `expires_at` and around the end of its
  margin (`expires_at + HOLD_EXPIRY_MARGIN`), with and without a grid change and with a daily cap, never leave
  two overlapping appointments, a day over its cap, or a patient in two places; everything is read back.

Rounds: `HOLD_RACE_ROUNDS` (default 3) rounds, run `HOLD_RACE_BATCH` (default 3) at a time; each batch waits for
its holds to expire and their margin to pass (30 s + 15 s). The expiry race runs on a runner of its own whose
service clock (LOCAL_CLOCK_FILE) jumps `CLOCK_JUMP_SECONDS` forward once the batch's holds are made, as if that
time had passed: every function reads the same clock, so no writer's clock is skewed against another's, and the
batch waits about 19 s instead of 45. The issue's acceptance run is 200 rounds under load:
    HOLD_RACE_ROUNDS=200 HOLD_RACE_BATCH=20 .venv-313/bin/python -m pytest tests/api/test_hold_races.py
`CONVERSION_RACE_ROUNDS` (default 5) sets the rounds of the concurrent-conversion tests.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import requests

from scheduling.domain.hold_expiry import HOLD_EXPIRY_MARGIN
from tests.api.conftest import ALWAYS_OPEN, EMBEDDED_DYNAMODB, Api, new_doctor, own_runner
from tests.api.together import overlapping_pairs, simultaneously
from tests.support.fhir import entries

# Races against the runner around an instant: run alone, so that a neighbouring test's CPU does not move it.
pytestmark = pytest.mark.serial

ROUNDS = int(os.environ.get("HOLD_RACE_ROUNDS", "3"))
BATCH = int(os.environ.get("HOLD_RACE_BATCH", "3"))
CONVERSION_ROUNDS = int(os.environ.get("CONVERSION_RACE_ROUNDS", "5"))
# The batch's holds last 30 s from their making: after the jump the first writer (a conversion 1 s before the
# expiry) is due about 3 s later, time enough to set up the writers' threads.
CLOCK_JUMP_SECONDS = 26
DAY = "2035-06-04"
R4 = "/fhir/R4"


DOCTOR = {**ALWAYS_OPEN, "name": "Expiry Race", "slot_minutes": 60}


def at(hour: int, minute: int = 0) -> str:
    return f"{DAY}T{hour:02d}:{minute:02d}:00Z"


def booked_in_store(api: Api, doctor_id: str) -> list[dict[str, Any]]:
    """The doctor's appointments that still take time, read straight from the table (every status but cancelled
    lives under `SLOT#`)."""
    items = api.stored_items(doctor_id)
    return [
        {"id": item["appointment_id"]["S"], "start": item["start"]["S"], "end": item["end"]["S"]}
        for item in items
        if item["kind"]["S"] == "appointment" and item["SK"]["S"].startswith("SLOT#")
    ]


# Concurrent conversions of one hold (item 3)


@pytest.mark.parametrize("round_number", range(CONVERSION_ROUNDS))
def test_twenty_concurrent_conversions_of_one_hold_all_answer_the_one_appointment(api: Api, round_number: int) -> None:
    doctor_id = new_doctor(api, DOCTOR)
    patient = f"p-convert-{uuid.uuid4().hex}"
    held = api.post(
        f"/doctors/{doctor_id}/holds",
        json={"start": at(3 + round_number), "location": "North Wing", "ttl_seconds": 600, "patient": {"id": patient}},
    )
    assert held.status_code == 201, held.text
    url = f"{api.base_url}/doctors/{doctor_id}/appointments"
    calls: list[Callable[[], requests.Response]] = [
        partial(requests.post, url, json={"hold_id": held.json()["id"]}, timeout=60) for _ in range(20)
    ]

    answers = simultaneously(calls)

    assert Counter(answer.status_code for answer in answers) == {201: 20}, [a.text for a in answers]
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert [item["id"] for item in booked_in_store(api, doctor_id)] == [answers[0].json()["id"]]
    calendar = api.get(f"/patients/{patient}/appointments").json()["items"]
    assert [item["id"] for item in calendar] == [answers[0].json()["id"]]


@pytest.mark.parametrize("round_number", range(CONVERSION_ROUNDS))
def test_sixteen_concurrent_fhir_books_of_one_pending_appointment_all_answer_the_one_appointment(
    api: Api, round_number: int
) -> None:
    doctor_id = new_doctor(api, DOCTOR)
    found = api.get(
        f"{R4}/Appointment/$find",
        params={
            "start": at(3 + round_number),
            "end": at(4 + round_number),
            "practitioner": f"Practitioner/{doctor_id}",
        },
    )
    proposal = entries(found.json())[0]
    patient = f"p-fhir-{uuid.uuid4().hex}"

    def operation(name: str, *parameters: dict[str, Any]) -> requests.Response:
        body: dict[str, Any] = {"resourceType": "Parameters", "parameter": list(parameters)}
        headers = {"Content-Type": "application/fhir+json"}
        return requests.post(f"{api.base_url}{R4}/Appointment/{name}", json=body, headers=headers, timeout=60)

    def ref(name: str, reference: str) -> dict[str, Any]:
        return {"name": name, "valueReference": {"reference": reference}}

    held = operation(
        "$hold",
        ref("appointment-reference", f"Appointment/{proposal['id']}"),
        ref("patient-reference", f"Patient/{patient}"),
    )
    assert held.status_code == 200, held.text
    [pending] = entries(held.json())
    calls: list[Callable[[], requests.Response]] = [
        partial(
            operation,
            "$book",
            ref("appointment-reference", f"Appointment/{pending['id']}"),
            ref("patient-reference", f"Patient/{patient}"),
        )
        for _ in range(16)
    ]

    answers = simultaneously(calls)

    assert Counter(answer.status_code for answer in answers) == {200: 16}, [a.text for a in answers]
    booked = {entries(answer.json())[0]["id"] for answer in answers}
    assert len(booked) == 1
    [stored] = booked_in_store(api, doctor_id)
    assert stored["id"].split("-")[-1] in booked.pop()  # the FHIR id names the doctor's appointment


# The expiry race (item 1)


@dataclass
class Round:
    """One doctor, one hold at 03:00 (30 s, for a patient), and the writers sent around its expiry."""

    number: int
    doctor_id: str = ""
    patient: str = ""
    hold_id: str = ""
    expires_at: float = 0.0  # its hold's `expires_at`, then (once the clock jumps) when that is on the test's clock
    grid_change: bool = False
    cap: int | None = None
    answers: list[tuple[str, requests.Response]] = field(default_factory=list)


def prepare(api: Api, number: int) -> Round:
    kind = number % 3  # 0: the grid changes under the hold; 1: it does not; 2: it does, and the day is capped
    round_ = Round(number, grid_change=kind != 1, cap=2 if kind == 2 else None)
    round_.doctor_id = new_doctor(api, DOCTOR, rules={"max_per_day": round_.cap} if round_.cap else {})
    round_.patient = f"p-expiry-{uuid.uuid4().hex}"
    elsewhere = api.post(f"/doctors/{round_.doctor_id}/appointments", json={"start": at(9), "location": "North Wing"})
    assert elsewhere.status_code == 201, elsewhere.text
    held = api.post(
        f"/doctors/{round_.doctor_id}/holds",
        json={"start": at(3), "location": "North Wing", "ttl_seconds": 30, "patient": {"id": round_.patient}},
    )
    assert held.status_code == 201, held.text
    round_.hold_id = held.json()["id"]
    round_.expires_at = datetime.fromisoformat(held.json()["expires_at"]).timestamp()
    if round_.grid_change:
        patched = api.patch(f"/doctors/{round_.doctor_id}", json={"slot_minutes": 30})
        assert patched.status_code == 200, patched.text
    round_.answers.append(("elsewhere", elsewhere))
    return round_


def writers(api: Api, round_: Round) -> list[tuple[float, str, Callable[[], requests.Response]]]:
    """(when, what, call): conversions just before and at `expires_at`; bookings, holds and reschedules of the
    overlapping slot just around `expires_at` and around the end of the margin."""
    base = f"{api.base_url}/doctors/{round_.doctor_id}"
    other = at(3, 30) if round_.grid_change else at(3)
    elsewhere_id = round_.answers[0][1].json()["id"]
    expiry, lapse = round_.expires_at, round_.expires_at + HOLD_EXPIRY_MARGIN.total_seconds()
    post = partial(requests.post, timeout=60)
    plan: list[tuple[float, str, Callable[[], requests.Response]]] = [
        (expiry + offset, "convert", partial(post, f"{base}/appointments", json={"hold_id": round_.hold_id}))
        for offset in (-1.0, -0.5, -0.25, -0.1, -0.03)
    ]
    for moment in (expiry, lapse):
        for offset in (-0.02, 0.03):
            plan += [
                (
                    moment + offset,
                    "book",
                    partial(
                        post,
                        f"{base}/appointments",
                        json={"start": other, "location": "North Wing", "patient": {"id": round_.patient}},
                    ),
                ),
                (
                    moment + offset,
                    "hold",
                    partial(post, f"{base}/holds", json={"start": other, "location": "North Wing", "ttl_seconds": 30}),
                ),
                (
                    moment + offset,
                    "reschedule",
                    partial(post, f"{base}/appointments/{elsewhere_id}/reschedule", json={"start": other}),
                ),
            ]
    return plan


def run_timed(plans: list[tuple[float, str, Callable[[], requests.Response], Round]]) -> None:
    lock = threading.Lock()

    def run(entry: tuple[float, str, Callable[[], requests.Response], Round]) -> None:
        when, what, call, round_ = entry
        time.sleep(max(0.0, when - time.time()))
        answer = call()
        with lock:
            round_.answers.append((what, answer))

    with ThreadPoolExecutor(max_workers=len(plans)) as pool:
        list(pool.map(run, plans))


def check(api: Api, round_: Round) -> None:
    statuses = Counter((what, answer.status_code) for what, answer in round_.answers)
    assert all(status in {201, 409, 503} for _, status in statuses), statuses
    assert all("Retry-After" in answer.headers for _, answer in round_.answers if answer.status_code == 503)
    stored = booked_in_store(api, round_.doctor_id)
    stored_ids = {item["id"] for item in stored}
    assert overlapping_pairs(stored) == [], (round_, stored, statuses)
    conversions = [
        answer.json()["id"] for what, answer in round_.answers if what == "convert" and answer.status_code == 201
    ]
    assert len(set(conversions)) <= 1
    for what, answer in round_.answers:
        if what in {"convert", "book"} and answer.status_code == 201:
            assert answer.json()["id"] in stored_ids, (what, answer.text)
        if what == "reschedule" and answer.status_code == 201:
            assert answer.json()["id"] in stored_ids
    if round_.cap is not None:
        assert len(stored) <= round_.cap, stored
    calendar = api.get(f"/patients/{round_.patient}/appointments", params={"status": "booked"}).json()["items"]
    assert overlapping_pairs(calendar) == [], calendar


@dataclass
class ClockedRunner:
    api: Api
    clock: Path  # the runner's LOCAL_CLOCK_FILE: how many seconds its service clock runs ahead


@pytest.fixture(scope="module")
def clocked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClockedRunner]:
    """A runner of the race's own whose service clock the test moves (all its functions read the one file), its
    workers started up to the pool's size before the race, as the shared runner's are by the tests before it."""
    folder = tmp_path_factory.mktemp("expiry-race")
    clock = folder / "clock"
    clock.write_text("0")
    settings = {
        "LOCAL_CLOCK_FILE": str(clock),
        "LOCAL_PRESTART": "true",
        "LOCAL_QUEUE_WAIT_SECONDS": "60",
        "LOCAL_THROTTLE_SCALE": "0",
    }
    with own_runner(folder, environment=settings) as runner:
        found = EMBEDDED_DYNAMODB.search(runner.log.read_text())
        api = Api(runner.api.base_url, found.group(1) if found else None)
        doctor_id = new_doctor(api, DOCTOR)
        warm = [f"{api.base_url}/doctors/{doctor_id}/appointments", f"{api.base_url}/doctors/{doctor_id}/holds/x"]
        answers = simultaneously([partial(requests.get, url, timeout=60) for url in warm for _ in range(8)])
        assert {answer.status_code for answer in answers} <= {200, 404}, [answer.text for answer in answers]
        yield ClockedRunner(api, clock)


@pytest.mark.parametrize("batch", range((ROUNDS + BATCH - 1) // BATCH))
def test_writers_racing_a_hold_around_its_expiry_never_overlap(clocked: ClockedRunner, batch: int) -> None:
    api = clocked.api
    numbers = range(batch * BATCH, min(ROUNDS, (batch + 1) * BATCH))
    rounds = [prepare(api, number) for number in numbers]
    jumped = float(clocked.clock.read_text()) + CLOCK_JUMP_SECONDS
    clocked.clock.write_text(str(jumped))
    for round_ in rounds:
        round_.expires_at -= jumped  # on the test's clock: the runner's now runs `jumped` seconds ahead of it

    run_timed([(when, what, call, round_) for round_ in rounds for when, what, call in writers(api, round_)])

    for round_ in rounds:
        check(api, round_)
    outcomes = Counter(
        (what, answer.status_code, answer.json().get("type", "") if answer.status_code != 201 else "")
        for round_ in rounds
        for what, answer in round_.answers
    )
    print(f"batch {batch}: {sorted(outcomes.items())}")  # what the race did, for the record


@dataclass
class MarginProbe:
    """What `probe_the_margin` saw at `expires_at + 7 s`."""

    doctor_id: str
    elsewhere: str
    same_slot: requests.Response
    same_patient: requests.Response
    offered: list[dict[str, Any]]


def probe_the_margin(api: Api) -> MarginProbe:
    """Hold a slot for a patient for 30 s, sleep until 7 s after its `expires_at`, then try the slot, the patient
    elsewhere and the slot search (plain `requests`: this runs on a thread of its own)."""
    doctor_id, elsewhere = new_doctor(api, DOCTOR), new_doctor(api, DOCTOR)
    patient = f"p-margin-{uuid.uuid4().hex}"
    post = partial(requests.post, timeout=60)
    held = post(
        f"{api.base_url}/doctors/{doctor_id}/holds",
        json={"start": at(20), "location": "North Wing", "ttl_seconds": 30, "patient": {"id": patient}},
    )
    assert held.status_code == 201, held.text
    seven_after = datetime.fromisoformat(held.json()["expires_at"]).timestamp() + 7
    time.sleep(max(0.0, seven_after - time.time()))
    same_slot = post(
        f"{api.base_url}/doctors/{doctor_id}/appointments", json={"start": at(20), "location": "North Wing"}
    )
    same_patient = post(
        f"{api.base_url}/doctors/{elsewhere}/appointments",
        json={"start": at(20), "location": "North Wing", "patient": {"id": patient}},
    )
    search = requests.get(
        f"{api.base_url}/doctors/{doctor_id}/slots", params={"from": at(20), "to": at(21)}, timeout=60
    )
    return MarginProbe(doctor_id, elsewhere, same_slot, same_patient, search.json()["items"])


@pytest.fixture(scope="module", autouse=True)
def margin_probe(local_api: Api) -> Iterator[Future[MarginProbe]]:
    """Started with the module's first test, so that its 37-s wait passes while the other tests run (their
    own waits are aimed at their own holds; this probe has 8 s of margin left when it acts)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        yield pool.submit(probe_the_margin, local_api)


def test_ttl_leaves_an_expired_holds_claim_and_patient_entry_until_its_margin_ends(
    api: Api, margin_probe: Future[MarginProbe]
) -> None:
    """The runner's TTL sweep (every 5 s, like DynamoDB TTL deleting any time after `ttl`) must not remove the
    hold's claim or its patient entry inside the margin: at `expires_at + 7 s` the slot is still held, on this
    grid, and the patient is still busy elsewhere (the outside tester's exp_margin.py)."""
    probe = margin_probe.result(timeout=300)
    same_slot, same_patient = probe.same_slot, probe.same_patient

    assert (same_slot.status_code, same_slot.json()["type"]) == (409, "/problems/slot-held"), same_slot.text
    assert (same_patient.status_code, same_patient.json()["type"]) == (409, "/problems/patient-busy")
    assert probe.offered == []
    assert booked_in_store(api, probe.doctor_id) == booked_in_store(api, probe.elsewhere) == []
