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
