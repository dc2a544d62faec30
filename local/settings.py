"""The runner's own settings, read from the environment once at start-up; a bad value stops it with a message."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class RunnerSettings:
    concurrency: int = 8  # LOCAL_CONCURRENCY: worker processes per function
    queue_wait_seconds: float = 2.0  # LOCAL_QUEUE_WAIT_SECONDS: wait for a free worker, then 503
    dynamodb_wait_seconds: float = 0.5  # LOCAL_DYNAMODB_WAIT_SECONDS: wait for the embedded DynamoDB, then throttled
    access_log: bool = True  # LOCAL_ACCESS_LOG=false silences the one line per request

    @classmethod
    def from_environment(cls) -> RunnerSettings:
        defaults = cls()
        return cls(
            concurrency=int(_number("LOCAL_CONCURRENCY", defaults.concurrency, minimum=1, integer=True)),
            queue_wait_seconds=_number("LOCAL_QUEUE_WAIT_SECONDS", defaults.queue_wait_seconds, minimum=0),
            dynamodb_wait_seconds=_number("LOCAL_DYNAMODB_WAIT_SECONDS", defaults.dynamodb_wait_seconds, minimum=0),
            access_log=os.environ.get("LOCAL_ACCESS_LOG", "true").lower() != "false",
        )


class InvalidSetting(ValueError):
    pass


def _number(name: str, default: float, minimum: float, integer: bool = False) -> float:
    text = os.environ.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        value = minimum - 1
    if not value >= minimum:  # also refuses NaN
        kind = "an integer" if integer else "a number"
        raise InvalidSetting(f"{name} must be {kind} >= {minimum:g}, not {text!r}")
    return value
