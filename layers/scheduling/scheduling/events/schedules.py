"""EventBridge Scheduler one-time schedules (reminders, and a waitlist offer's expiry): created and deleted by
name, both repeat-safe.

A schedule fires once at `at(<UTC>)`, invokes the reminders function with the appointment and offset, retries
it, sends what keeps failing to a dead-letter queue, and deletes itself after it ran
(`ActionAfterCompletion: DELETE`), so no schedule outlives its reminder.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from scheduling.errors import ServiceUnavailable

CLIENT_CONFIG = Config(retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=1, read_timeout=5)
RETRY_ATTEMPTS = 10  # the target's retries before the dead-letter queue
MAX_EVENT_AGE_SECONDS = 3600  # a reminder more than an hour late is not worth sending


REMINDER = "reminder"  # the payload's `kind`: which timer fired
OFFER_EXPIRY = "offer_expiry"


def offer_schedule_name(hold_id: str) -> str:
    """The schedule that passes a lapsed waitlist offer on, named by its hold (`offer-` + 49 characters)."""
    return f"offer-{hold_id}"


@cache
def scheduler_client(endpoint_url: str | None = None) -> Any:
    """One client per container, created on first use."""
    return boto3.client("scheduler", endpoint_url=endpoint_url, config=CLIENT_CONFIG)


class ReminderSchedules:
    def __init__(self, client: Any, group: str, target_arn: str, role_arn: str, dead_letter_arn: str) -> None:
        self._client = client
        self._group = group
        self._target = {
            "Arn": target_arn,
            "RoleArn": role_arn,
            "DeadLetterConfig": {"Arn": dead_letter_arn},
            "RetryPolicy": {"MaximumRetryAttempts": RETRY_ATTEMPTS, "MaximumEventAgeInSeconds": MAX_EVENT_AGE_SECONDS},
        }

    def create(self, name: str, at: datetime, payload: dict[str, Any]) -> None:
        """A schedule firing once at `at` with `payload`; one that exists already (a redelivery) is left alone."""
        try:
            self._client.create_schedule(
                Name=name,
                GroupName=self._group,
                ScheduleExpression=f"at({at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S')})",
                ScheduleExpressionTimezone="UTC",
                FlexibleTimeWindow={"Mode": "OFF"},
                ActionAfterCompletion="DELETE",
                Target={**self._target, "Input": json.dumps(payload, separators=(",", ":"))},
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConflictException":
                raise ServiceUnavailable("The scheduler did not take the reminder; retry later.") from error
        except BotoCoreError as error:
            raise ServiceUnavailable("The scheduler did not answer; retry later.") from error

    def delete(self, name: str) -> None:
        """Remove a schedule; one that is gone already (fired, or never made) is fine."""
        try:
            self._client.delete_schedule(Name=name, GroupName=self._group)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise ServiceUnavailable("The scheduler did not delete the reminder; retry later.") from error
        except BotoCoreError as error:
            raise ServiceUnavailable("The scheduler did not answer; retry later.") from error
