"""The stream's reactions: the scheduling table's stream in; waitlist offers (holds) and their outcomes, and
reminders' one-time schedules (EventBridge Scheduler), out.

A second consumer of the stream (DynamoDB Streams serves two per shard without throttling), apart from the
events publisher so that a slow offer never delays events, and a failing publish never delays offers.
Invoked by its event source mapping (template.yaml) with `ReportBatchItemFailures`.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from scheduling.config import ReactionsSettings
from scheduling.events.schedules import ReminderSchedules, scheduler_client
from scheduling.observability import logger, metrics, traced
from scheduling.service.reactions import react
from scheduling.store import store_for

settings = ReactionsSettings()  # read from the environment, fails at cold start if incomplete


def schedules() -> ReminderSchedules:
    return ReminderSchedules(
        scheduler_client(settings.scheduler_endpoint_url),
        settings.reminders_schedule_group,
        settings.reminders_target_arn,
        settings.reminders_role_arn,
        settings.reminders_dead_letter_arn,
    )


@logger.inject_lambda_context(log_event=False)
@traced
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = event.get("Records", [])
    outcome = react(store_for(settings), records, schedules())
    metrics.add_metric(name="ReactionsApplied", unit=MetricUnit.Count, value=len(outcome.applied))
    if outcome.failed:
        metrics.add_metric(name="ReactionRecordsFailed", unit=MetricUnit.Count, value=len(outcome.failed))
        logger.warning("stream records not handled; Lambda retries them", extra={"failed": len(outcome.failed)})
    logger.info("reactions applied", extra={"kinds": [type(reaction).__name__ for reaction in outcome.applied]})
    return outcome.response()
