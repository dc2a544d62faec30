"""The runner's own settings, read from the environment once at start-up; a bad value stops it with a message."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class RunnerSettings:
    concurrency: int = 8  # LOCAL_CONCURRENCY: worker processes per function
    queue_wait_seconds: float = 2.0  # LOCAL_QUEUE_WAIT_SECONDS: wait for a free worker, then 503
    dynamodb_wait_seconds: float = 0.5  # LOCAL_DYNAMODB_WAIT_SECONDS: wait for the embedded DynamoDB, then throttled
    access_log: bool = True  # LOCAL_ACCESS_LOG=false silences the one line per request
    ttl_sweep_seconds: float = 5.0  # LOCAL_TTL_SWEEP_SECONDS: how often expired items are deleted (DynamoDB TTL)
    webhook_url: str = ""  # LOCAL_WEBHOOK_URL: every published event is POSTed there (structured CloudEvent)
    dynamodb_port: int = 8000  # DYNAMODB_PORT: where the embedded DynamoDB listens (0: any free port, for tests)
    throttle_scale: float = 1.0  # LOCAL_THROTTLE_SCALE: times the stage's throttling limits (0: no throttling)
    state_save_seconds: float = 5.0  # LOCAL_STATE_SAVE_SECONDS: how often the kept state is saved (after writes)
    prestart: bool = True  # LOCAL_PRESTART=false: each function's first worker starts with its first request

    @classmethod
    def from_environment(cls) -> RunnerSettings:
        defaults = cls()
        return cls(
            concurrency=int(_number("LOCAL_CONCURRENCY", defaults.concurrency, minimum=1, integer=True)),
            queue_wait_seconds=_number("LOCAL_QUEUE_WAIT_SECONDS", defaults.queue_wait_seconds, minimum=0),
            dynamodb_wait_seconds=_number("LOCAL_DYNAMODB_WAIT_SECONDS", defaults.dynamodb_wait_seconds, minimum=0),
            access_log=os.environ.get("LOCAL_ACCESS_LOG", "true").lower() != "false",
            ttl_sweep_seconds=_number("LOCAL_TTL_SWEEP_SECONDS", defaults.ttl_sweep_seconds, minimum=0.1),
            webhook_url=_webhook_url(os.environ.get("LOCAL_WEBHOOK_URL", "")),
            dynamodb_port=int(_number("DYNAMODB_PORT", defaults.dynamodb_port, minimum=0, integer=True)),
            throttle_scale=_finite(_number("LOCAL_THROTTLE_SCALE", defaults.throttle_scale, minimum=0)),
            state_save_seconds=_number("LOCAL_STATE_SAVE_SECONDS", defaults.state_save_seconds, minimum=0.1),
            prestart=os.environ.get("LOCAL_PRESTART", "true").lower() != "false",
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


def _finite(scale: float) -> float:
    if math.isinf(scale):
        raise InvalidSetting("LOCAL_THROTTLE_SCALE must be a finite number (0 turns throttling off)")
    return scale


def _webhook_url(text: str) -> str:
    if text and not text.startswith(("http://", "https://")):
        raise InvalidSetting(f"LOCAL_WEBHOOK_URL must be an http:// or https:// URL, not {text!r}")
    return text
