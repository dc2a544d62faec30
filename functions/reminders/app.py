"""A timer fires: invoked by a one-time EventBridge Scheduler schedule. A reminder (the appointment and offset)
publishes `appointment.reminder_due` if the appointment is still booked (docs/design.md, "Reminders"); a
waitlist offer's expiry passes a lapsed offer's slot on to the next entry (docs/design.md, "Waitlist").

An exception makes the scheduler retry (its retry policy), then send the payload to the dead-letter queue.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from scheduling.config import RemindersSettings
from scheduling.events.publisher import Publisher, events_client
from scheduling.events.schedules import OFFER_EXPIRY
from scheduling.observability import logger, metrics, traced
from scheduling.service.reminders import send_reminder
from scheduling.service.waitlist import offer_expired
from scheduling.store import store_for

settings = RemindersSettings()  # read from the environment, fails at cold start if incomplete


@logger.inject_lambda_context(log_event=False)
@traced
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    store = store_for(settings)
    doctor_id = str(event["doctor_id"])
    if event.get("kind") == OFFER_EXPIRY:
        passed_on = offer_expired(store, doctor_id, str(event["entry_id"]), str(event["hold_id"]))
        logger.info("waitlist offer expired", extra={"doctor_id": doctor_id, "passed_on": passed_on})
        return {"passed_on": passed_on}
    appointment_id, minutes = str(event["appointment_id"]), int(event["minutes"])
    publisher = Publisher(events_client(settings.events_endpoint_url), settings.event_bus_name)
    sent = send_reminder(store, publisher, doctor_id, appointment_id, minutes)
    if sent is not None:
        metrics.add_metric(name="RemindersSent", unit=MetricUnit.Count, value=1)
    logger.info(
        "reminder due",
        extra={"doctor_id": doctor_id, "appointment_id": appointment_id, "minutes": minutes, "sent": bool(sent)},
    )
    return {"sent": sent is not None}
