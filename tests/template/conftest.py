"""Shared by the built-artifact tests: one `sam build` with the layer for this machine, and the runtime's SDK."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAM_CLI = os.environ.get("SAM_CLI", str(ROOT / ".venv-sam" / "bin" / "sam"))
# The arm64 extension modules cannot load on x86_64: there the layer is built as its twin (same lock, Makefile).
TWIN = "manylinux2014_aarch64" if platform.machine() in {"aarch64", "arm64"} else "manylinux2014_x86_64"


@pytest.fixture(scope="session")
def artifact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`<root>/build`: sam build's output for this machine; `<root>/runtime`: boto3 as the runtime ships it."""
    root = tmp_path_factory.mktemp("artifact")
    environment = {**os.environ, "SAM_CLI_TELEMETRY": "0", "LAYER_PLATFORM": TWIN}
    build = subprocess.run(
        [SAM_CLI, "build", "--build-dir", str(root / "build"), "--cache-dir", str(root / "cache")],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    runtime = subprocess.run(
        [
            *(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--require-hashes", "--no-compile"),
            *("--target", str(root / "runtime"), "-r", str(ROOT / "bench" / "requirements-runtime.lock")),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert runtime.returncode == 0, runtime.stderr
    return root
