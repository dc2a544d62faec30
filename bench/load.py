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
# Each scenario first runs this long unmeasured: the runner starts its workers on demand (cold starts, up to
# LOCAL_CONCURRENCY per function), and the table reports the steady state after them, as a warm Lambda fleet
# serves (cold starts are measured by `bench cold_start`).
WARM_UP_SECONDS = 5
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _http(method: str, url: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:  # our own local runner
        return json.loads(answer.read() or b"null")


def _locust(base: str, scenario: str, doctor_id: str, folder: Path, seconds: int = SECONDS) -> dict[str, str]:
    prefix = folder / scenario
    finished = subprocess.run(
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
            f"{seconds}s",
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
        check=False,
        capture_output=True,
    )
    if finished.returncode not in {0, 1}:  # 1: some requests failed, which the row reports
        raise RuntimeError(f"locust failed ({finished.returncode}):\n{finished.stderr.decode()[-2000:]}")
    with (folder / f"{scenario}_stats.csv").open() as handle:
        return next(row for row in csv.DictReader(handle) if row["Name"] == "Aggregated")


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of the process and its live children (the workers), from /proc (Linux)."""
    total = 0.0
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            pids += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue  # the thread ended meanwhile
    for one in pids:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def rows(*arguments: str) -> list[tuple[str, int, int, float, str, str, str, str, float]]:
    """(scenario, requests, failures, requests/s, median ms, p95 ms, p99 ms, moto busy %, CPU ms per request).

    The CPU per request (the runner and its workers) depends little on what else runs on the machine; the
    throughput and latencies do: report the load average beside them. `arguments` go to the runner (e.g.
    `--state <a copy of a hospital's state>` to load-test a runner that holds a month of bookings).
    """
    table = []
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        port = free_port()
        # Latency of served requests under load, as before the runner shed: no 503 for waiting up to a minute, and no
        # 429 for going over the stage's throttling (it measures the runner, not API Gateway's limits).
        settings = {"POWERTOOLS_LOG_LEVEL": "ERROR", "LOCAL_QUEUE_WAIT_SECONDS": "60", "LOCAL_THROTTLE_SCALE": "0"}
        runner = start_runner(port, folder / "runner.log", "--no-seed", *arguments, environment=settings)
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
                _locust(base, scenario, doctor["id"], folder, WARM_UP_SECONDS)
                before = _http("GET", f"{base}/_local/moto-stats")
                cpu = _cpu_seconds(runner.pid)
                stats = _locust(base, scenario, doctor["id"], folder)
                after = _http("GET", f"{base}/_local/moto-stats")
                cpu = _cpu_seconds(runner.pid) - cpu
                busy = (after["busy_seconds"] - before["busy_seconds"]) / SECONDS
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
                        1000 * cpu / max(1, int(stats["Request Count"])),
                    )
                )
        finally:
            runner.terminate()
            runner.wait(timeout=10)
    return table
