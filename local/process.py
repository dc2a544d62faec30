"""Start the local runner as a child process and wait until it serves: used by the API tests and benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from local.environment import functions_environment

ROOT = Path(__file__).resolve().parent.parent
READY = "Local API running"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_runner(
    port: int,
    log: Path,
    *arguments: str,
    environment: dict[str, str] | None = None,
    timeout_seconds: float = 180,  # generous: a start on a loaded 2-core machine took over 60 s
) -> subprocess.Popen[bytes]:
    """`python -m local.runner` on `port`, quiet, its output in `log`; returns once it prints that it is ready."""
    settings = {**os.environ, "PORT": str(port), "LOCAL_ACCESS_LOG": "false", "POWERTOOLS_LOG_LEVEL": "WARNING"}
    settings.pop("DYNAMODB_ENDPOINT_URL", None)
    for name in functions_environment():  # the in-process tests' resource names (logical ids) are not the stack's
        if not name.startswith("POWERTOOLS_"):
            settings.pop(name, None)
    settings["DYNAMODB_PORT"] = "0"  # not the documented 8000: parallel test runs and `make run` must not clash
    settings.update(environment or {})
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "local.runner", *arguments],
            cwd=ROOT,
            env=settings,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + timeout_seconds
    while READY not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"local runner did not start:\n{log.read_text()}")
        time.sleep(0.1)
    return process
