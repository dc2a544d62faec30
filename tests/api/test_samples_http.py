"""Every sample of events/, sent over HTTP to a runner with the seed (as `make run` starts), answers what
tools/make_events.py documents for a fresh seed: the samples name the seeded doctor, appointment and holds."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests

from local.process import free_port, start_runner
from tests.support.lambda_events import EVENTS, sample_event
from tools.make_events import FRESH_SEED_STATUS

NOT_HTTP = {"stream_booking"}  # a stream record for the events function, not a request


@pytest.fixture
def seeded_runner(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    process = start_runner(port, tmp_path / "runner.log")  # with the seed, as `make run`
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def as_http(name: str, base_url: str) -> requests.Request:
    """The request API Gateway turned into the sample: method, path, query, headers and body."""
    event = sample_event(name)
    query = urlencode(event["multiValueQueryStringParameters"] or {}, doseq=True)
    body = event["body"]
    return requests.Request(
        event["httpMethod"],
        f"{base_url}{event['path']}" + (f"?{query}" if query else ""),
        headers=event["headers"] or {},
        data=body.encode() if body is not None else None,
    )


def test_the_documented_answers_cover_every_http_sample() -> None:
    assert set(FRESH_SEED_STATUS) == {path.stem for path in EVENTS.glob("*.json")} - NOT_HTTP


def test_every_sample_answers_as_documented_against_a_fresh_seed(seeded_runner: str) -> None:
    with requests.Session() as session:
        answers = {name: session.send(as_http(name, seeded_runner).prepare(), timeout=60) for name in FRESH_SEED_STATUS}

    assert {name: answer.status_code for name, answer in answers.items()} == FRESH_SEED_STATUS
    for name, answer in answers.items():
        if answer.status_code >= 400:  # a problem, or on the FHIR facade an OperationOutcome
            fhir = sample_event(name)["path"].startswith("/fhir/")
            wanted = "application/fhir+json" if fhir else "application/problem+json"
            assert answer.headers["Content-Type"] == wanted, (name, answer.text)
            assert fhir or answer.json()["status"] == answer.status_code, (name, answer.text)


def test_the_samples_name_what_the_seed_made(seeded_runner: str) -> None:
    book_hold = json.loads(sample_event("appointments_book_hold")["body"])
    held_for_booking = requests.get(
        f"{seeded_runner}{sample_event('holds_get')['path'].rsplit('/', 1)[0]}/{book_hold['hold_id']}", timeout=60
    )
    appointment = requests.get(f"{seeded_runner}{sample_event('appointments_get')['path']}", timeout=60)
    hold = requests.get(f"{seeded_runner}{sample_event('holds_get')['path']}", timeout=60)

    assert (held_for_booking.status_code, held_for_booking.json()["status"]) == (200, "held")
    assert (hold.status_code, hold.json()["status"]) == (200, "held")
    assert (appointment.status_code, appointment.json()["status"]) == (200, "booked")
    assert appointment.json()["patient"] == {"id": "p-123", "name": "Ada Lovelace"}
