"""Settings read from the environment once per container and validated; a missing table name fails loudly."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """What every function needs."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    table_name: str = Field(min_length=3, max_length=255, description="The scheduling table (TABLE_NAME).")
    dynamodb_endpoint_url: str | None = Field(
        None, description="Another DynamoDB endpoint, e.g. DynamoDB Local; unset on AWS."
    )


class AppointmentsSettings(Settings):
    idempotency_table_name: str = Field(min_length=3, max_length=255)


class EventsSettings(BaseSettings):
    """The stream consumer: where it publishes (it reads no table)."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    event_bus_name: str = Field(min_length=1, max_length=256, description="The scheduling event bus (EVENT_BUS_NAME).")
    events_endpoint_url: str | None = Field(None, description="Another EventBridge endpoint, e.g. moto; unset on AWS.")


class ReactionsSettings(Settings):
    """The stream's reactions: the table, and where reminders' schedules go."""

    reminders_schedule_group: str = Field(min_length=1, max_length=64, description="REMINDERS_SCHEDULE_GROUP")
    reminders_target_arn: str = Field(min_length=1, description="The reminders function (REMINDERS_TARGET_ARN).")
    reminders_role_arn: str = Field(min_length=1, description="The role the scheduler invokes it with.")
    reminders_dead_letter_arn: str = Field(min_length=1, description="Where reminders that kept failing go.")
    scheduler_endpoint_url: str | None = Field(None, description="Another Scheduler endpoint (moto); unset on AWS.")


class RemindersSettings(Settings):
    """The reminders function: reads the appointment, publishes on the bus."""

    event_bus_name: str = Field(min_length=1, max_length=256, description="The scheduling event bus (EVENT_BUS_NAME).")
    events_endpoint_url: str | None = Field(None, description="Another EventBridge endpoint, e.g. moto; unset on AWS.")
