"""The local runner started once per test session on a free port; tests talk to it over real HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Api:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, f"{self.base_url}{path}", timeout=30, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)


@pytest.fixture(scope="session")
def local_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    port = _free_port()
    log = tmp_path_factory.mktemp("runner") / "runner.log"
    environment = {**os.environ, "PORT": str(port), "LOCAL_ACCESS_LOG": "false", "POWERTOOLS_LOG_LEVEL": "WARNING"}
    environment.pop("DYNAMODB_ENDPOINT_URL", None)
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "local.runner", "--no-seed"],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while "Local API running" not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"local runner did not start:\n{log.read_text()}")
            time.sleep(0.1)
        yield Api(f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert "Traceback" not in log.read_text(), log.read_text()


@pytest.fixture
def api(local_api: Api) -> Api:
    return local_api
