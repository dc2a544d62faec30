"""Cold start: a fresh interpreter importing a function module and creating its DynamoDB client.

The floor is the same for a bare powertools resolver plus a boto3 client (bench/floor_app.py). Both are timed
inside the fresh process (import to ready), so interpreter start-up itself, the same for both, is left out.
"""

from __future__ import annotations

import subprocess
import sys

from bench.common import ROOT, median, p95, prepare_environment

RUNS = 15
FUNCTIONS = {
    "DoctorsFunction": "functions.doctors.app",
    "AvailabilityFunction": "functions.availability.app",
    "AppointmentsFunction": "functions.appointments.app",
}
PROBE = """
import sys, time
sys.path[:0] = [{layer!r}, {root!r}]
began = time.perf_counter()
import {module}
{client}
print(time.perf_counter() - began)
"""
OUR_CLIENT = "from scheduling.store import dynamodb_client; dynamodb_client(None)"


def time_import(module: str, client: str, environment: dict[str, str]) -> list[float]:
    code = PROBE.format(layer=str(ROOT / "layers" / "scheduling"), root=str(ROOT), module=module, client=client)
    timings = []
    for _ in range(RUNS):
        result = subprocess.run(
            [sys.executable, "-X", "frozen_modules=on", "-c", code],
            env=environment,
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        timings.append(float(result.stdout.strip().splitlines()[-1]))
    return timings


def rows() -> list[tuple[str, float, float, float]]:
    """(function, median ms, p95 ms, ratio to the floor's median)."""
    environment = prepare_environment()
    floor = time_import("bench.floor_app", "", environment)
    table = [("floor: bare resolver + boto3 client", median(floor) * 1e3, p95(floor) * 1e3, 1.0)]
    for name, module in FUNCTIONS.items():
        timings = time_import(module, OUR_CLIENT, environment)
        table.append((name, median(timings) * 1e3, p95(timings) * 1e3, median(timings) / median(floor)))
    return table
