"""Cold start: a fresh interpreter importing a function module and creating its DynamoDB client.

The floor is the same for a bare powertools resolver plus a boto3 client (bench/floor_app.py). Both are timed
inside the fresh process (import to ready), so interpreter start-up itself, the same for both, is left out.
"""

from __future__ import annotations

import os
import subprocess
import sys

from bench.common import ROOT, median, p95, prepare_environment
from local.paths import source_tree

RUNS = 15
FUNCTIONS = {
    "DoctorsFunction": "functions.doctors.app",
    "AvailabilityFunction": "functions.availability.app",
    "AppointmentsFunction": "functions.appointments.app",
}
PROBE = """
import time
began = time.perf_counter()
import {module}
{client}
print(time.perf_counter() - began)
"""
OUR_CLIENT = "from scheduling.store import dynamodb_client; dynamodb_client(None)"


def time_import(module: str, client: str, environment: dict[str, str]) -> float:
    code = PROBE.format(module=module, client=client)
    environment = {**environment, "PYTHONPATH": os.pathsep.join(source_tree())}
    result = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True, cwd=ROOT
    )
    return float(result.stdout.strip().splitlines()[-1])


def rows() -> list[tuple[str, float, float, float]]:
    """(function, median ms, p95 ms, ratio to the floor's median).

    One discarded run per module first (bytecode and file caches), then the modules take turns run by run, so
    that drift in the machine's load affects the floor and the functions alike.
    """
    environment = prepare_environment()
    probes = {"floor: bare resolver + boto3 client": ("bench.floor_app", "")}
    probes.update({name: (module, OUR_CLIENT) for name, module in FUNCTIONS.items()})
    timings: dict[str, list[float]] = {name: [] for name in probes}
    for module, client in probes.values():
        time_import(module, client, environment)
    for _ in range(RUNS):
        for name, (module, client) in probes.items():
            timings[name].append(time_import(module, client, environment))
    floor = median(timings["floor: bare resolver + boto3 client"])
    return [(name, median(values) * 1e3, p95(values) * 1e3, median(values) / floor) for name, values in timings.items()]
