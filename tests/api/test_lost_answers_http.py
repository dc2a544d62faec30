"""Workers killed right after their transaction committed (issue #18, item 2), over real HTTP.

A runner of its own arms `LOCAL_DIE_AFTER_COMMIT_FILE` (docs/local-runner.md): the worker whose write commits
next is killed with SIGKILL before its function answers. The caller sees a 5xx and retries with the same
`Idempotency-Key` and body; it must get the first outcome (`201`, the same appointment or hold), stored once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from tests.api.conftest import Api, new_doctor, own_runner
from tests.api.test_events_http import EVENTS_DOCTOR

RETRY_FOR_SECONDS = 90  # the first attempt's idempotency record stays "in progress" until its deadline (15 s)
START = (datetime.now(UTC) + timedelta(days=30)).replace(hour=9, minute=0, second=0, microsecond=0)


def at(minutes: int) -> str:
    return (START + timedelta(minutes=minutes)).isoformat()


def killed(armed: Path, send: Callable[[], requests.Response]) -> requests.Response:
    """Arm the hook, send, and check that the worker died after committing (the hook removed the file)."""
    armed.write_text("die")
    answer = send()
    assert answer.status_code >= 500, answer.text  # the answer was lost with its worker
    assert not armed.exists(), "no transaction committed: the hook was not used"
    return answer


def retried_until_settled(send: Callable[[], requests.Response]) -> requests.Response:
    """Retry with the same key while the first attempt's record is still "in progress" (409 + Retry-After)."""
    deadline = time.monotonic() + RETRY_FOR_SECONDS
    while True:
        answer = send()
        in_progress = answer.status_code == 409 and answer.json().get("type") == "/problems/request-in-progress"
        if not in_progress or time.monotonic() > deadline:
            return answer
        time.sleep(1)


def items(api: Api, path: str) -> list[dict[str, Any]]:
    answer = api.get(path, params={"limit": 100})
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["items"]
    return found


def test_killed_after_commit_the_same_key_answers_the_first_outcome_stored_once(tmp_path: Path) -> None:
    armed = tmp_path / "die-after-commit"
    with own_runner(tmp_path, environment={"LOCAL_DIE_AFTER_COMMIT_FILE": str(armed)}) as runner:
        api = runner.api
        doctor_id = new_doctor(api, EVENTS_DOCTOR, name="Dying Workers Doctor")
        base = f"/doctors/{doctor_id}"
        booking = {"start": at(0), "location": "North Wing", "patient": {"id": "p-killed-1"}}
        holding = {"start": at(60), "location": "North Wing", "ttl_seconds": 600, "patient": {"id": "p-killed-2"}}

        def book() -> requests.Response:
            return api.post(f"{base}/appointments", json=booking, headers={"Idempotency-Key": "killed-book"})

        def hold() -> requests.Response:
            return api.post(f"{base}/holds", json=holding, headers={"Idempotency-Key": "killed-hold"})

        killed(armed, book)
        killed(armed, hold)
        [stored] = items(api, f"{base}/appointments")  # the first attempt's write is there

        booked = retried_until_settled(book)
        held = retried_until_settled(hold)

        assert booked.status_code == 201, booked.text
        assert booked.json()["id"] == stored["id"]
        assert held.status_code == 201, held.text
        assert api.get(f"{base}/holds/{held.json()['id']}").json()["status"] == "held"
        assert [item["id"] for item in items(api, f"{base}/appointments")] == [stored["id"]]
        assert [item["id"] for item in items(api, "/patients/p-killed-1/appointments")] == [stored["id"]]
        other = api.post(f"{base}/appointments", json={"start": at(60), "location": "North Wing"})
        assert (other.status_code, other.json()["type"]) == (409, "/problems/slot-held"), other.text

        # without a key, reschedule and cancel are naturally repeat-safe: the retry answers what was done
        def move() -> requests.Response:
            return api.post(f"{base}/appointments/{stored['id']}/reschedule", json={"start": at(120)})

        killed(armed, move)
        moved = move()
        assert moved.status_code == 201, moved.text
        assert datetime.fromisoformat(moved.json()["start"]) == START + timedelta(minutes=120)
        assert moved.json()["replaces"] == stored["id"]

        def cancel() -> requests.Response:
            return api.post(f"{base}/appointments/{moved.json()['id']}/cancel", json={"reason": "ill"})

        killed(armed, cancel)
        cancelled = cancel()
        assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled"), cancelled.text

        statuses = sorted((item["id"], item["status"]) for item in items(api, f"{base}/appointments"))
        assert statuses == sorted([(stored["id"], "cancelled"), (moved.json()["id"], "cancelled")])
