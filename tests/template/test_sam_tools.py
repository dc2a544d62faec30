"""The template passes cfn-lint, `sam validate --lint` and checkov; `sam build` works without Docker and packs a lean
layer compiled by CPython 3.13."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from local.template import load_template, resources
from tests.template.artifacts import (
    ARM64,
    PYC_MAGIC_313,
    UNCHECKED_HASH_FLAGS,
    compiled,
    pyc_header,
    shared_build,
    sources,
)

ROOT = Path(__file__).resolve().parents[2]
SAM_CLI = os.environ.get("SAM_CLI", str(ROOT / ".tools" / "aws-sam-cli" / "bin" / "sam"))
CHECKOV = os.environ.get("CHECKOV", str(ROOT / ".tools" / "checkov" / "bin" / "checkov"))
# What the python3.13 runtime provides: a layer copy would shadow the runtime's SDK with another version.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "urllib3", "dateutil", "six.py", "jmespath")
SAM_ENV = {**os.environ, "SAM_CLI_TELEMETRY": "0", "AWS_DEFAULT_REGION": "us-east-1"}


def run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, env=SAM_ENV, capture_output=True, text=True, timeout=600, check=False)


def test_cfn_lint_passes() -> None:
    result = run([str(Path(sys.executable).parent / "cfn-lint"), "template.yaml"])

    assert result.returncode == 0, result.stdout + result.stderr


def test_sam_validate_lint_passes() -> None:
    result = run([SAM_CLI, "validate", "--lint"])

    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


def test_checkov_passes_with_every_skip_explained() -> None:
    result = run([CHECKOV, "-f", "template.yaml", "--framework", "cloudformation", "--skip-download", "--compact"])

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Failed checks: 0" in result.stdout
    skips = [
        (name, skip)
        for name, resource in load_template()["Resources"].items()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]
    assert skips
    assert all(skip.get("comment", "").strip() for _, skip in skips), skips


@pytest.fixture(scope="module")
def build_dir() -> Path:
    """`sam build` with the layer for arm64, the platform the template deploys (shared with the arm64 check)."""
    return shared_build(ARM64) / "build"


def test_sam_build_packs_every_handler_and_the_layer_for_arm64_python313(build_dir: Path) -> None:
    functions = resources(load_template(), "AWS::Serverless::Function")
    assert functions
    for function in functions:
        assert (build_dir / function / "app.py").is_file(), function
    layer = build_dir / "SchedulingLayer" / "python"
    for module in ("scheduling/service/__init__.py", "scheduling/store/appointments.py", "scheduling/domain/slots.py"):
        assert (layer / module).is_file(), module
    assert (layer / "aws_lambda_powertools").is_dir()
    native = list((layer / "pydantic_core").glob("_pydantic_core*.so"))
    assert native, "pydantic_core has no compiled extension"
    assert all("cpython-313-aarch64" in path.name for path in native), native


def test_the_layer_ships_nothing_the_runtime_provides(build_dir: Path) -> None:
    layer = build_dir / "SchedulingLayer" / "python"

    shipped = {path.name for path in layer.iterdir()}

    assert not [name for name in RUNTIME_PROVIDED if name in shipped]
    assert "bin" not in shipped


def test_the_layer_is_compiled_by_cpython_313_for_zip_timestamps_to_not_matter(build_dir: Path) -> None:
    layer = build_dir / "SchedulingLayer" / "python"
    scheduling = sources(layer / "scheduling")

    assert scheduling
    missing = [source for source in scheduling if not compiled(source).is_file()]
    assert not missing
    every_source = [*scheduling, *sources(layer / "aws_lambda_powertools"), *sources(layer / "pydantic")]
    headers = {pyc_header(compiled(source)) for source in every_source if compiled(source).is_file()}
    assert headers == {(PYC_MAGIC_313, UNCHECKED_HASH_FLAGS)}
    assert not list(layer.rglob("*.cpython-311.pyc"))


def test_the_xray_sdk_is_packed_compiled_for_when_tracing_is_enabled(build_dir: Path) -> None:
    layer = build_dir / "SchedulingLayer" / "python"

    assert compiled(layer / "aws_xray_sdk" / "core" / "recorder.py").is_file()
    assert (layer / "wrapt").is_dir()
