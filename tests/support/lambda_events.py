"""Sample API Gateway events from `events/`, and invoking handlers with them in-process."""

from __future__ import annotations

import copy
import json
import time
import uuid
from pathlib import Path
from typing import Any

from local.lambda_runtime import LambdaContext

EVENTS = Path(__file__).resolve().parents[2] / "events"
SAMPLE_DOCTOR_ID = "0f8fad5bd9cb469fa16570867728950e"


TEST_PRINCIPAL = "arn:aws:iam::123456789012:user/functional-tests"


def sample_event(name: str) -> dict[str, Any]:
    """A sample event as API Gateway sends it through an AWS_IAM route: with the caller's principal."""
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    identity = event.setdefault("requestContext", {}).setdefault("identity", {})
    identity.setdefault("userArn", TEST_PRINCIPAL)
    identity.setdefault("caller", "AIDAFUNCTIONALTESTS")
    return event


def sample_doctor_id(name: str) -> str:
    """The doctor a sample names: the first sample doctor, except doctors_delete's (the second, nothing booked)."""
    return str(sample_event(name)["pathParameters"]["doctor_id"])


def event_with(
    name: str,
    *,
    path_parameters: dict[str, str] | None = None,
    body: Any = ...,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A sample event with some parts replaced; `path` is rebuilt from the resource and parameters."""
    event = copy.deepcopy(sample_event(name))
    if path_parameters is not None:
        event["pathParameters"] = {**(event["pathParameters"] or {}), **path_parameters}
        path = event["resource"]
        for key, value in event["pathParameters"].items():
            path = path.replace("{" + key + "}", value)
        event["path"] = path
    if body is not ...:
        event["body"] = body if isinstance(body, str) or body is None else json.dumps(body)
    if query is not None:
        event["queryStringParameters"] = query or None
        event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} or None
    if headers:
        event["headers"] = {**(event["headers"] or {}), **headers}
        event["multiValueHeaders"] = {k: [v] for k, v in event["headers"].items()}
    return event


def context(function_name: str = "test") -> LambdaContext:
    return LambdaContext(function_name=function_name, aws_request_id=str(uuid.uuid4()), deadline=time.monotonic() + 10)


class Answer:
    """A handler's proxy result, read the way an HTTP client would."""

    def __init__(self, result: dict[str, Any]) -> None:
        self.status = int(result["statusCode"])
        self.headers = {name.lower(): value for name, value in (result.get("headers") or {}).items()}
        for name, values in (result.get("multiValueHeaders") or {}).items():
            self.headers[name.lower()] = values[-1]
        self.text = result.get("body") or ""

    def json(self) -> Any:
        return json.loads(self.text)

    def __repr__(self) -> str:
        return f"Answer({self.status}, {self.text[:300]})"
