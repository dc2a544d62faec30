"""Injected DynamoDB faults for the in-process tests: each sits in front of moto's request processing, so a
faulted write is really not written (or, for a lost answer, written and its answer lost)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ReadTimeoutError
from moto.core.models import botocore_stubber

MOTO_PROCESS_REQUEST = botocore_stubber.process_request  # moto itself, never the fault-injecting stand-in


class Fault:
    """Answers one DynamoDB operation with an error instead of moto (which then never applies it)."""

    def __init__(self, operation: str, status: int = 400, code: str = "", extra: dict[str, Any] | None = None) -> None:
        self.operation, self.status, self.code, self.extra = operation, status, code, extra or {}
        self.attempts = 0

    def respond(self, request: Any) -> tuple[int, dict[str, str], str] | None:
        self.attempts += 1
        if self.code == "ReadTimeout":
            raise ReadTimeoutError(endpoint_url=request.url)
        body = json.dumps(
            {"__type": f"com.amazonaws.dynamodb.v20120810#{self.code}", "message": "injected", **self.extra}
        )
        return self.status, {"x-amzn-ErrorType": self.code, "Content-Type": "application/x-amz-json-1.0"}, body


class AppliedButAnswerLost(Fault):
    """The first attempt reaches DynamoDB and is applied, but its answer never arrives (the client's read
    timeout fires), so botocore sends the same request again: the write a caller must not mistake for a loss."""

    def __init__(self, operation: str) -> None:
        super().__init__(operation, 0, "ReadTimeout")

    def respond(self, request: Any) -> tuple[int, dict[str, str], str] | None:
        if self.attempts:
            self.attempts += 1
            return None
        self.attempts += 1
        MOTO_PROCESS_REQUEST(request)  # applied by moto ...
        raise ReadTimeoutError(endpoint_url=request.url)  # ... and the answer lost


def install_faults(monkeypatch: pytest.MonkeyPatch) -> Callable[[Fault], Fault]:
    """Put faults in front of moto for one test; answers the function that adds one."""
    faults: list[Fault] = []
    process_request = botocore_stubber.process_request

    def process(request: Any) -> Any:
        target = request.headers.get("X-Amz-Target", b"")
        operation = (target.decode() if isinstance(target, bytes) else target).rsplit(".", 1)[-1]
        for fault in faults:
            if fault.operation == operation and (answer := fault.respond(request)) is not None:
                return answer
        return process_request(request)

    monkeypatch.setattr(botocore_stubber, "process_request", process)

    def install(fault: Fault) -> Fault:
        faults.append(fault)
        return fault

    return install
