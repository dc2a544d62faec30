"""Over the stage's throttling limits the runner answers 429 as API Gateway does: the template's THROTTLED gateway
response, before any function runs, so nothing of a throttled request is stored."""

from __future__ import annotations

import json
from collections import Counter
from functools import partial
from pathlib import Path

import pytest
import requests

from local.gateway_responses import render
from local.template import load_template
from tests.api.conftest import new_doctor, own_runner
from tests.api.test_runner_shedding import WARD_DOCTOR, slot, stored_starts
from tests.api.together import simultaneously

# Concurrency against the runner: run alone, so that a neighbouring test's CPU does not change the race.
pytestmark = pytest.mark.serial

SCALE = 0.05  # the template's 100 per second, burst 200, become 5 per second, burst 10


def throttled_template() -> dict[str, object]:
    """The THROTTLED body the template declares, rendered as API Gateway renders it (without its request id)."""
    [api] = [r for r in load_template()["Resources"].values() if r["Type"] == "AWS::Serverless::Api"]
    body = api["Properties"]["GatewayResponses"]["THROTTLED"]["ResponseTemplates"]["application/json"]
    context = {"error.message": "Too Many Requests", "error.responseType": "THROTTLED", "requestId": "-"}
    rendered: dict[str, object] = json.loads(render(body, context))
    rendered.pop("requestId")
    return rendered


def test_a_burst_over_the_burst_limit_is_answered_429_from_the_template_and_stores_nothing(tmp_path: Path) -> None:
    settings = {"LOCAL_THROTTLE_SCALE": str(SCALE), "LOCAL_QUEUE_WAIT_SECONDS": "60"}
    with own_runner(tmp_path, environment=settings) as runner:
        doctor_id = new_doctor(runner.api, WARD_DOCTOR)  # another method: its own bucket
        starts = [slot(n) for n in range(40)]

        url = f"{runner.api.base_url}/doctors/{doctor_id}/appointments"
        answers = simultaneously(
            [partial(requests.post, url, json={"start": s, "location": "Ward 1"}, timeout=60) for s in starts]
        )

        statuses = Counter(answer.status_code for answer in answers)
        assert set(statuses) == {201, 429}, statuses
        assert statuses[201] >= 10  # the burst limit's worth at once
        for answer in answers:
            if answer.status_code == 429:
                assert answer.headers["Content-Type"] == "application/problem+json"
                problem = answer.json()
                assert problem.pop("requestId")
                assert problem == throttled_template()
        booked = {answer.json()["start"] for answer in answers if answer.status_code == 201}
        assert {start.replace("Z", "+00:00") for start in stored_starts(runner.api, doctor_id)} == {
            start.replace("Z", "+00:00") for start in booked
        }
