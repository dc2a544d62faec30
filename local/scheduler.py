"""EventBridge Scheduler's stand-in for one-time schedules: moto stores the schedules the functions create (the
embedded moto serves the Scheduler API) but never runs them, so this thread does.

Every `every_seconds` (1) it lists the schedules of the template's schedule groups; each `at(...)` schedule
whose time has come (on the service's clock: LOCAL_CLOCK_FILE moves it, as for the functions) is invoked on the
function its target names (a local ARN ending in the logical id, local/template.py) with the target's `Input`,
then deleted (`ActionAfterCompletion: DELETE`). A failing invocation is retried on the next rounds, up to
`max_attempts`, then set aside as dead-lettered (listed at /_local/events/dead-letters), like the scheduler's
retry policy and dead-letter queue.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from local.supervised import SupervisedThread
from local.workers import FunctionWorkers, InvokeError

EVERY_SECONDS = 1.0
MAX_ATTEMPTS = 5


def service_now() -> datetime:
    """The service's clock as the functions see it: real time, moved on by LOCAL_CLOCK_FILE's seconds."""
    ahead = 0.0
    path = os.environ.get("LOCAL_CLOCK_FILE")
    if path:
        try:
            with open(path, encoding="utf-8") as text:
                ahead = float(text.read().strip() or 0)
        except (OSError, ValueError):
            ahead = 0.0
    return datetime.now(UTC) + timedelta(seconds=ahead)


def due_time(expression: str) -> datetime | None:
    """The instant of a one-time `at(YYYY-MM-DDTHH:MM:SS)` expression (UTC); None for rate/cron expressions."""
    if not (expression.startswith("at(") and expression.endswith(")")):
        return None
    return datetime.fromisoformat(expression[3:-1]).replace(tzinfo=UTC)


class LocalScheduler:
    def __init__(
        self,
        endpoint: str,
        groups: list[str],
        functions: dict[str, FunctionWorkers],
        every_seconds: float = EVERY_SECONDS,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self._client = boto3.client("scheduler", endpoint_url=endpoint)
        self._groups = groups
        for group in groups:
            self._client.create_schedule_group(Name=group)
        self._functions = functions
        self._max_attempts = max_attempts
        self._attempts: dict[str, int] = {}
        self.fired = 0
        self.dead_letters: list[dict[str, Any]] = []
        self._thread = SupervisedThread("scheduler", self._round, every_seconds)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._thread.stop()

    def describe(self) -> dict[str, Any]:
        return self._thread.describe(fired=self.fired, dead_letters=len(self.dead_letters))

    def _round(self) -> bool:
        self.run_due(service_now())  # a failure (the embedded moto busy) is retried by the supervising loop
        return False  # periodic: the next round after `every_seconds`

    def run_due(self, now: datetime) -> int:
        """Invoke every schedule due at `now`; how many ran."""
        ran = 0
        for group in self._groups:
            for summary in self._client.list_schedules(GroupName=group).get("Schedules", []):
                schedule = self._client.get_schedule(GroupName=group, Name=summary["Name"])
                due = due_time(schedule.get("ScheduleExpression", ""))
                if due is None or due > now:
                    continue
                if self._fire(group, schedule):
                    ran += 1
        return ran

    def _fire(self, group: str, schedule: dict[str, Any]) -> bool:
        target = schedule["Target"]
        function = target["Arn"].rsplit(":", 1)[-1]
        key = f"{group}/{schedule['Name']}"
        try:
            self._functions[function].invoke(json.loads(target.get("Input") or "{}"))
        except (InvokeError, KeyError) as error:
            self._attempts[key] = self._attempts.get(key, 0) + 1
            if self._attempts[key] < self._max_attempts:
                return False
            sys.stderr.write(f"schedule {key} dead-lettered after {self._max_attempts} attempts: {error}\n")
            self.dead_letters.append({"schedule": key, "input": target.get("Input"), "error": str(error)})
        self._attempts.pop(key, None)
        if schedule.get("ActionAfterCompletion") == "DELETE":
            self._client.delete_schedule(GroupName=group, Name=schedule["Name"])
        self.fired += 1
        return True
