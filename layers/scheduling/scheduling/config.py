"""Settings read from the environment once per container and validated; a missing table name fails loudly."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _empty_is_unset(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


# The template declares the endpoint variables empty (AWS's own endpoints); `sam local`'s env.json fills them.
EndpointUrl = Annotated[str | None, BeforeValidator(_empty_is_unset)]


class Settings(BaseSettings):
    """What every function needs."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    table_name: str = Field(min_length=3, max_length=255, description="The scheduling table (TABLE_NAME).")
    dynamodb_endpoint_url: EndpointUrl = Field(
        None, description="Another DynamoDB endpoint, e.g. DynamoDB Local; empty on AWS."
    )


class IdempotentSettings(Settings):
    """A function whose writes take an `Idempotency-Key` (bookings, holds): where the results are remembered."""

    idempotency_table_name: str = Field(min_length=3, max_length=255)


class AppointmentsSettings(IdempotentSettings):
    pass


class HoldsSettings(IdempotentSettings):
    pass


class FhirSettings(IdempotentSettings):
    """The FHIR facade: `$hold` and `$book` take an `Idempotency-Key` as the native routes do."""


class EventsSettings(BaseSettings):
    """The stream consumer: where it publishes (it reads no table)."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    event_bus_name: str = Field(min_length=1, max_length=256, description="The scheduling event bus (EVENT_BUS_NAME).")
    events_endpoint_url: EndpointUrl = Field(None, description="Another EventBridge endpoint, e.g. moto; empty on AWS.")


class ReactionsSettings(Settings):
    """The stream's reactions: the table, and where reminders' schedules go."""

    reminders_schedule_group: str = Field(min_length=1, max_length=64, description="REMINDERS_SCHEDULE_GROUP")
    reminders_target_arn: str = Field(min_length=1, description="The reminders function (REMINDERS_TARGET_ARN).")
    reminders_role_arn: str = Field(min_length=1, description="The role the scheduler invokes it with.")
    reminders_dead_letter_arn: str = Field(min_length=1, description="Where reminders that kept failing go.")
    scheduler_endpoint_url: EndpointUrl = Field(None, description="Another Scheduler endpoint (moto); empty on AWS.")


class RemindersSettings(Settings):
    """The reminders function: reads the appointment, publishes on the bus."""

    event_bus_name: str = Field(min_length=1, max_length=256, description="The scheduling event bus (EVENT_BUS_NAME).")
    events_endpoint_url: EndpointUrl = Field(None, description="Another EventBridge endpoint, e.g. moto; empty on AWS.")


class AuditSettings(BaseSettings):
    """Where the access audit goes (scheduling/audit.py): its own log group, and the KMS HMAC key the patient
    hash is derived from. Both empty locally: audit lines go to the function's log, hashed with the dev key."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    audit_log_group: str = Field("", max_length=512, description="The audit log group (AUDIT_LOG_GROUP).")
    audit_hash_key_id: str = Field("", max_length=2048, description="The KMS HMAC key (AUDIT_HASH_KEY_ID).")
