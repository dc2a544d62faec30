"""The runner's own answers (what API Gateway would answer before or instead of a function): RFC 9457 problems."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

PROBLEM_JSON = "application/problem+json"
RETRY_AFTER_SECONDS = "1"


def problem(status: HTTPStatus, detail: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """A proxy result (the shape a function returns) carrying a problem document."""
    body = {"type": "about:blank", "title": status.phrase, "status": int(status), "detail": detail}
    if status == HTTPStatus.SERVICE_UNAVAILABLE:
        headers = {"Retry-After": RETRY_AFTER_SECONDS, **(headers or {})}
    return {
        "statusCode": int(status),
        "headers": {"Content-Type": PROBLEM_JSON, **(headers or {})},
        "body": json.dumps(body),
    }


class BadQuery(ValueError):
    """A runner page's query string is not one it can answer (a `400` problem, naming what is wrong)."""
