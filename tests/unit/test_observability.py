"""The X-Ray SDK is loaded only when tracing subsegments are asked for (it costs cold start)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scheduling.observability import traced

ROOT = Path(__file__).resolve().parents[2]


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 204}


def test_with_the_sdk_disabled_the_handler_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")

    assert traced(handler) is handler


@pytest.mark.parametrize(("disabled", "loaded"), [("true", False), ("false", True)])
def test_importing_a_function_loads_the_xray_sdk_only_when_enabled(disabled: str, loaded: bool) -> None:
    code = "import sys, functions.doctors.app; print('aws_xray_sdk.core' in sys.modules)"
    environment = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": f"{ROOT / 'layers' / 'scheduling'}:{ROOT}",
        "TABLE_NAME": "SchedulingTable",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": disabled,
        "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
    }

    result = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True)

    assert result.stdout.strip() == str(loaded)
