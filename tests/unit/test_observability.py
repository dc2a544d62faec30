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


# Traces hold no patient id (issue #20): what the X-Ray SDK's botocore patch records of a DynamoDB call


def test_the_xray_sdk_records_no_keys_values_or_items_of_dynamodb_calls() -> None:
    """Patient ids live in keys (`PATIENT#...`), expression values and items: the SDK's list of what it records
    per operation must name none of them (operations it does not list, like TransactWriteItems, record nothing)."""
    import json

    import aws_xray_sdk

    listed = Path(aws_xray_sdk.__file__).parent / "ext" / "resources" / "aws_para_whitelist.json"
    operations = json.loads(listed.read_text())["services"]["dynamodb"]["operations"]
    recorded = {
        name
        for operation in operations.values()
        for name in [*operation.get("request_parameters", []), *operation.get("request_descriptors", {})]
    }
    forbidden = {"Key", "Item", "ExpressionAttributeValues", "KeyConditionExpression", "ExclusiveStartKey"}
    assert not recorded & forbidden
    # ItemCollectionMetrics (a response parameter) holds the partition key, but only when asked for
    store = ROOT / "layers" / "scheduling" / "scheduling" / "store"
    assert not [path for path in store.rglob("*.py") if "ReturnItemCollectionMetrics" in path.read_text()]


def test_the_handler_trace_records_neither_the_response_nor_the_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "false")
    captured: dict[str, Any] = {}

    class Tracer:
        def __init__(self, **settings: Any) -> None:
            captured["settings"] = settings

        def capture_lambda_handler(self, handler: Any, **options: Any) -> Any:
            captured["options"] = options
            return handler

    monkeypatch.setattr("aws_lambda_powertools.Tracer", Tracer)

    traced(handler)

    assert captured == {
        "settings": {"patch_modules": ["botocore"]},
        "options": {"capture_response": False, "capture_error": False},
    }
