"""The request examples of docs/openapi.json, and the rule that moves them to another time.

The examples are written for `EXAMPLES_AS_OF` (a doctor made from `DoctorIn`'s examples first). To use them at
another time, every date-time in them moves by the same whole number of weeks, keeping its wall-clock time in
the doctor's zone (`DoctorIn`'s example `timezone`): the fewest weeks that bring `EXAMPLES_AS_OF` to now or
later. Whole weeks keep each weekday (so each slot of the weekly hours), the zone keeps the time of day across a
change of summer time, and the examples' dates, 3 to 38 days after `EXAMPLES_AS_OF`, stay after any notice or
cancellation cut-off and inside the 90-day horizon of `DoctorIn`'s example rules.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from local.paths import OPENAPI_PATH
from scheduling.models.time import EXAMPLES_AS_OF

DOCUMENT: dict[str, Any] = json.loads(OPENAPI_PATH.read_text())
SCHEMAS: dict[str, Any] = DOCUMENT["components"]["schemas"]
WEEK = timedelta(weeks=1)
_DATE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([Zz]|[+-][0-9]{2}:[0-9]{2})")


def _schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The object schema a body refers to (`$ref`, or the `$ref` of an optional body's `anyOf`)."""
    for option in [schema, *schema.get("anyOf", [])]:
        if "$ref" in option:
            resolved: dict[str, Any] = SCHEMAS[option["$ref"].rsplit("/", 1)[-1]]
            return resolved
    return schema


def examples_of(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The schema's own examples, or one body made of its properties' first examples."""
    if "examples" in schema:
        return list(schema["examples"])
    return [{name: part["examples"][0] for name, part in schema["properties"].items() if "examples" in part}]


def body_schema(operation: dict[str, Any]) -> dict[str, Any]:
    return _schema(operation["requestBody"]["content"]["application/json"]["schema"])


def success(operation: dict[str, Any]) -> int:
    return min(int(status) for status in operation["responses"] if status.startswith("2"))


def example(name: str, index: int = 0) -> dict[str, Any]:
    return examples_of(SCHEMAS[name])[index]


def body_cases() -> list[Any]:
    """One pytest param (method, path, index, example) per request body example of every operation."""
    return [
        pytest.param(method.upper(), path, index, body, id=f"{method.upper()} {path} #{index}")
        for path, operations in DOCUMENT["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation
        for index, body in enumerate(examples_of(body_schema(operation)))
    ]


def weeks_to(now: datetime) -> int:
    """The fewest whole weeks that bring `EXAMPLES_AS_OF` to `now` or later (negative before it)."""
    return math.ceil((now - EXAMPLES_AS_OF) / WEEK)


def moved(value: Any, weeks: int, zone: str) -> Any:
    """`value` (an example, or any part of one) with every date-time moved by `weeks`, keeping its wall-clock
    time in `zone` (so its offset may change); everything else as it is."""
    if isinstance(value, dict):
        return {name: moved(part, weeks, zone) for name, part in value.items()}
    if isinstance(value, list):
        return [moved(part, weeks, zone) for part in value]
    if isinstance(value, str) and _DATE_TIME.fullmatch(value):
        local = datetime.fromisoformat(value).astimezone(ZoneInfo(zone))
        wall = local.replace(tzinfo=None) + weeks * WEEK
        return wall.replace(tzinfo=ZoneInfo(zone)).isoformat()
    return value
