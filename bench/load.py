"""The local runner under concurrent clients (locust, headless, bounded in time): booking and slot search.

Reports throughput and latency percentiles, and how much of the time the embedded DynamoDB (moto, serialised
by the runner) was busy: the local numbers say little about Lambda, but they show where local time goes.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

from bench.common import ROOT
from local.process import free_port, start_runner

USERS = 20
SECONDS = 15
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _http(method: str, url: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:  # our own local runner
        return json.loads(answer.read() or b"null")


def _locust(base: str, scenario: str, doctor_id: str, folder: Path) -> dict[str, str]:
    prefix = folder / scenario
    subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "-u",
            str(USERS),
            "-r",
            str(USERS),
            "-t",
            f"{SECONDS}s",
            "--host",
            base,
            "--tags",
            scenario,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "ERROR",
        ],
        cwd=ROOT,
        env={**os.environ, "DOCTOR_ID": doctor_id, "LOCATION": "North Wing"},
        check=True,
        capture_output=True,
    )
    with (folder / f"{scenario}_stats.csv").open() as handle:
        return next(row for row in csv.DictReader(handle) if row["Name"] == "Aggregated")


def rows() -> list[tuple[str, int, int, float, str, str, str, str]]:
    """(scenario, requests, failures, requests/s, median ms, p95 ms, p99 ms, moto busy %)."""
    table = []
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        port = free_port()
        # Latency of served requests under load, as before the runner shed: no 503 for waiting up to a minute, and no
        # 429 for going over the stage's throttling (it measures the runner, not API Gateway's limits).
        settings = {"POWERTOOLS_LOG_LEVEL": "ERROR", "LOCAL_QUEUE_WAIT_SECONDS": "60", "LOCAL_THROTTLE_SCALE": "0"}
        runner = start_runner(port, folder / "runner.log", "--no-seed", environment=settings)
        base = f"http://127.0.0.1:{port}"
        try:
            doctor = _http(
                "POST",
                f"{base}/doctors",
                {
                    "name": "Load Test",
                    "locations": ["North Wing"],
                    "timezone": "UTC",
                    "slot_minutes": 5,
                    "schedule": {day: [{"start": "00:00", "end": "24:00"}] for day in DAYS},
                },
            )
            for scenario in ("book", "search"):
                before = _http("GET", f"{base}/_local/moto-stats")
                stats = _locust(base, scenario, doctor["id"], folder)
                after = _http("GET", f"{base}/_local/moto-stats")
                busy = (after["seconds"] - before["seconds"]) / SECONDS
                table.append(
                    (
                        scenario,
                        int(stats["Request Count"]),
                        int(stats["Failure Count"]),
                        float(stats["Requests/s"]),
                        stats["50%"],
                        stats["95%"],
                        stats["99%"],
                        f"{busy:.0%}",
                    )
                )
        finally:
            runner.terminate()
            runner.wait(timeout=10)
    return table
