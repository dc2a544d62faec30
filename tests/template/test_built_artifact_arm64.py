"""The arm64 artifact that gets deployed serves every sample event: `sam build`'s functions and the arm64 layer
(manylinux aarch64 wheels: pydantic-core's compiled extension among them), each function in its own process of
Debian's arm64 CPython 3.13, run by `qemu-aarch64-static` on this machine, against moto's DynamoDB server. The
processes are forked from one interpreter that imported boto3, pydantic and powertools from the layer and the
runtime's directories (tests/template/zygote.py: nine emulated imports of them cost a minute of CPU).

`make arm64-check` prepares the arm64 Debian root (ARM64_ROOT: Debian's python3.13 for arm64 and the runtime's
boto3 in Lambda's /var/lang site-packages) and runs this module; without it the module is skipped.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.template.artifacts import ARM64, execution_environments, shared_build
from tests.template.every_sample import SAMPLES, serve_every_sample

ARM64_ROOT = os.environ.get("ARM64_ROOT", "")
QEMU_AARCH64 = os.environ.get("QEMU_AARCH64", "qemu-aarch64-static")
RUNTIME_SDK = Path("var/lang/lib/python3.13/site-packages")  # where Lambda's python3.13 runtime keeps boto3
# Under emulation an import costs 10-20 times what it costs natively: generous bounds, never reached when well.
START_TIMEOUT_SECONDS = 600
INVOKE_TIMEOUT_SECONDS = 120

pytestmark = [
    pytest.mark.skipif(not ARM64_ROOT, reason="`make arm64-check` runs it (an arm64 Debian root and qemu)"),
]


@pytest.fixture(scope="module")
def arm64_build() -> Path:
    return shared_build(ARM64) / "build"  # the build tests/template/test_sam_tools.py checks


def test_the_arm64_artifact_serves_every_sample_event_under_qemu(arm64_build: Path, dynamodb: str) -> None:
    root = Path(ARM64_ROOT).resolve()
    python = [QEMU_AARCH64, "-L", str(root), str(root / "usr" / "bin" / "python3.13")]
    runtime = root / RUNTIME_SDK
    with execution_environments(arm64_build, runtime, python, dynamodb, START_TIMEOUT_SECONDS, forked=True) as workers:
        served = serve_every_sample(lambda function, event: workers[function].invoke(event, INVOKE_TIMEOUT_SECONDS))
        started = {name: worker.info for name, worker in workers.items()}

    assert sorted(set(served)) == SAMPLES
    layer = arm64_build / "SchedulingLayer" / "python"
    for name, info in started.items():
        assert info["machine"] == "aarch64", name
        assert info["handler_file"] == str(arm64_build / name / "app.py")
        assert info["sys_path"][:3] == [str(arm64_build / name), str(layer), str(runtime)]
    native = [path.name for path in layer.rglob("*.so")]
    assert any(name.startswith("_pydantic_core.cpython-313-aarch64") for name in native), native
    assert all("aarch64" in name for name in native), native
