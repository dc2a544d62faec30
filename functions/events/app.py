"""Domain events: the scheduling table's stream in, CloudEvents out on the scheduling event bus.

Invoked by the stream's event source mapping (template.yaml) with `ReportBatchItemFailures`; the mapping
retries, bisects and finally sends what keeps failing to the dead-letter queue.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from scheduling.config import EventsSettings
from scheduling.events.consumer import consume
from scheduling.events.publisher import Publisher, events_client
from scheduling.observability import logger, metrics, traced

settings = EventsSettings()  # read from the environment, fails at cold start if incomplete


def publisher() -> Publisher:
    return Publisher(events_client(settings.events_endpoint_url), settings.event_bus_name)


@logger.inject_lambda_context(log_event=False)
@traced
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = event.get("Records", [])
    outcome = consume(records, publisher())
    metrics.add_metric(name="EventsPublished", unit=MetricUnit.Count, value=len(outcome.published))
    if outcome.failed:
        metrics.add_metric(name="StreamRecordsFailed", unit=MetricUnit.Count, value=len(outcome.failed))
        logger.warning(
            "stream records not published; Lambda retries them",
            extra={"records": len(records), "failed": len(outcome.failed), "unreadable": outcome.unreadable},
        )
    logger.info("events published", extra={"types": [published.type for published in outcome.published]})
    return outcome.response()
