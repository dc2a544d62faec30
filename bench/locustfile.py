"""Load scenarios for the scheduling API: slot search and booking.

Against the local runner: `make bench` runs it (bench/load.py). Against a deployed stack, requests are signed
with SigV4 (service `execute-api`) from the usual AWS credential chain:

    SIGV4_REGION=eu-west-1 DOCTOR_ID=<an existing doctor> .venv/bin/locust -f bench/locustfile.py \\
        --host https://<api-id>.execute-api.eu-west-1.amazonaws.com/prod --headless -u 20 -r 5 -t 2m

Booking picks random 5-minute slots in a far-future week; a 409 (slot taken) is an expected answer, not a
failure. Set DOCTOR_ID to a doctor open 24 hours a day with 5-minute slots in UTC (bench/load.py creates one
locally), and LOCATION to one of their locations.
"""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from locust import FastHttpUser, HttpUser, constant, tag, task

WEEK_START = datetime(2036, 1, 7, tzinfo=UTC)  # a Monday, far in the future
SLOTS_PER_WEEK = 7 * 24 * 12


def _signer() -> Any:
    """A requests auth hook that signs with SigV4, or None when SIGV4_REGION is unset (local runner)."""
    region = os.environ.get("SIGV4_REGION")
    if not region:
        return None
    import boto3
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    credentials = boto3.Session().get_credentials()
    if credentials is None:
        raise RuntimeError("SIGV4_REGION is set but no AWS credentials were found")

    def sign(request: Any) -> Any:
        aws_request = AWSRequest(
            method=request.method, url=request.url, data=request.body, headers=dict(request.headers)
        )
        SigV4Auth(credentials.get_frozen_credentials(), "execute-api", region).add_auth(aws_request)
        request.headers.update(dict(aws_request.headers))
        return request

    return sign


class SchedulingUser(HttpUser if os.environ.get("SIGV4_REGION") else FastHttpUser):  # type: ignore[misc]
    wait_time = constant(0)
    doctor_id = os.environ.get("DOCTOR_ID", "")
    location = os.environ.get("LOCATION", "North Wing")

    def on_start(self) -> None:
        signer = _signer()
        if signer is not None:
            self.client.auth = signer

    @tag("search")
    @task
    def search_slots(self) -> None:
        day = WEEK_START + timedelta(days=random.randrange(7))
        window = {"from": day.isoformat(), "to": (day + timedelta(days=1)).isoformat()}
        self.client.get(f"/doctors/{self.doctor_id}/slots", params=window, name="GET /doctors/{id}/slots")

    @tag("book")
    @task
    def book(self) -> None:
        start = WEEK_START + timedelta(minutes=5 * random.randrange(SLOTS_PER_WEEK))
        body = {"start": start.isoformat(), "location": self.location}
        with self.client.post(
            f"/doctors/{self.doctor_id}/appointments",
            json=body,
            name="POST /doctors/{id}/appointments",
            catch_response=True,
        ) as answer:
            if answer.status_code in {201, 409}:
                answer.success()
            else:
                answer.failure(f"unexpected {answer.status_code}")
