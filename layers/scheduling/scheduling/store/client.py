"""The DynamoDB client (one per container) and the translation of its failures into domain errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from scheduling.errors import ConcurrentUpdate, ServiceUnavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

# Fitted to the 15 s Lambda timeout: a throttled call fails fast and is retried twice with jittered backoff
# (under 1 s, then under 2 s), so even the three calls of a reschedule give up in about 10 s and answer 503.
# DynamoDB answers in milliseconds; 0.5 s to connect and 1 s to read only trip on a sick network.
# A retried TransactWriteItems is safe: botocore fills `ClientRequestToken` once per call, so DynamoDB applies
# a retried transaction at most once (docs/design.md, "Exactly-once outcomes").
# Calls one request may issue at once (a search across doctors Queries every matching doctor together).
MAX_CONCURRENT_CALLS = 64
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 3},  # first try + 2 retries
    connect_timeout=0.5,
    read_timeout=1,
    tcp_keepalive=True,
    # The store builds every request itself and DynamoDB validates them again; botocore's client-side walk
    # over the parameters was the largest single cost of a warm request (docs/performance.md).
    parameter_validation=False,
    max_pool_connections=MAX_CONCURRENT_CALLS,
)
UNAVAILABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionConflictException",
        "TransactionInProgressException",
    }
)


@cache
def dynamodb_client(endpoint_url: str | None = None) -> DynamoDBClient:
    """One client per container, created on first use."""
    return boto3.client("dynamodb", endpoint_url=endpoint_url, config=CLIENT_CONFIG)


@contextmanager
def translated() -> Iterator[None]:
    """Throttling, timeouts and server faults that outlast botocore's retries become `ServiceUnavailable`.

    A cancelled transaction that reaches here was not explained by the write itself (each write first reads the
    reasons it expects: its own earlier attempt, a taken slot, a moved fence): with a failed condition it is
    `ConcurrentUpdate` (something changed meanwhile: 409, retry), otherwise (`TransactionConflict`, throttling,
    `ItemCollectionSizeLimitExceeded`, `ValidationError`, no reason) `ServiceUnavailable` (503, retry); never a
    500 (docs/design.md, "Exactly-once outcomes")."""
    try:
        yield
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in UNAVAILABLE_CODES:
            raise ServiceUnavailable("The database is busy; retry later.") from error
        if code == "TransactionCanceledException":
            if "ConditionalCheckFailed" in cancellation_codes(error):
                raise ConcurrentUpdate("The data changed while it was being written; retry.") from error
            raise ServiceUnavailable("The database is busy; retry later.") from error
        raise
    except (BotoConnectionError, HTTPClientError) as error:  # connect/read timeouts, endpoint unreachable
        raise ServiceUnavailable("The database did not answer in time; retry later.") from error


def cancellation_codes(error: ClientError) -> list[str]:
    """Per-item reasons of a cancelled transaction, in item order ('None' for items that were fine)."""
    return [str(reason.get("Code")) for reason in cancellation_reasons(error)]


def cancellation_reasons(error: ClientError) -> list[dict[str, Any]]:
    return list(error.response.get("CancellationReasons", []))  # type: ignore[arg-type]


def failed_item(error: ClientError, index: int) -> dict[str, Any] | None:
    """The stored item that failed item `index`'s condition (sent with `ReturnValuesOnConditionCheckFailure`)."""
    reasons = cancellation_reasons(error)
    if index >= len(reasons) or reasons[index].get("Code") != "ConditionalCheckFailed":
        return None
    item: dict[str, Any] = reasons[index].get("Item") or {}
    return item


def condition_failed(error: ClientError, index: int) -> bool:
    return failed_item(error, index) is not None


def only_conflicts(error: ClientError) -> bool:
    """A transaction cancelled only because another transaction held one of its items (retry it)."""
    codes = set(cancellation_codes(error)) - {"None"}
    return bool(codes) and codes <= {"TransactionConflict"}
