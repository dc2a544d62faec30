"""The template passes cfn-lint and `sam validate --lint`, and `sam build` works without Docker or python3.13."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from local.template import load_template, resources

ROOT = Path(__file__).resolve().parents[2]
SAM_CLI = os.environ.get("SAM_CLI", str(ROOT / ".venv-sam" / "bin" / "sam"))
SAM_ENV = {**os.environ, "SAM_CLI_TELEMETRY": "0", "AWS_DEFAULT_REGION": "us-east-1"}

pytestmark = pytest.mark.slow


def run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, env=SAM_ENV, capture_output=True, text=True, timeout=600, check=False)


def test_cfn_lint_passes() -> None:
    result = run([str(Path(sys.executable).parent / "cfn-lint"), "template.yaml"])

    assert result.returncode == 0, result.stdout + result.stderr


def test_sam_validate_lint_passes() -> None:
    result = run([SAM_CLI, "validate", "--lint"])

    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


def test_sam_build_packs_every_handler_and_the_layer_for_arm64_python313(tmp_path: Path) -> None:
    build_dir = tmp_path / "build"

    result = run([SAM_CLI, "build", "--build-dir", str(build_dir), "--cache-dir", str(tmp_path / "cache")])

    assert result.returncode == 0, result.stdout + result.stderr
    functions = resources(load_template(), "AWS::Serverless::Function")
    assert functions
    for function in functions:
        assert (build_dir / function / "app.py").is_file(), function
    layer = build_dir / "SchedulingLayer" / "python"
    for module in ("scheduling/service.py", "scheduling/store/appointments.py", "scheduling/domain/slots.py"):
        assert (layer / module).is_file(), module
    assert (layer / "aws_lambda_powertools").is_dir()
    native = list((layer / "pydantic_core").glob("_pydantic_core*.so"))
    assert native, "pydantic_core has no compiled extension"
    assert all("cpython-313-aarch64" in path.name for path in native), native
