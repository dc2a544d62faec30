"""`Idempotency-Key` support for bookings, on the powertools idempotency utility (its own table, with TTL).

A retry with the same key and the same body answers the first result and books nothing new; the same key with
another body is a 422. The key is scoped to the doctor. Requests without the header skip all of this.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from scheduling.config import AppointmentsSettings
from scheduling.errors import FieldProblem, IdempotencyConflict, InvalidInput, ServiceUnavailable
from scheduling.store import dynamodb_client

IDEMPOTENCY_WINDOW_SECONDS = 24 * 60 * 60
HEADER = "Idempotency-Key"

Operation = Callable[..., dict[str, Any]]  # (request, **dependencies); only `request` is the key


class IdempotentRunner:
    """Runs an operation at most once per (doctor, key); remembers its JSON result for a day."""

    def __init__(self, settings: AppointmentsSettings, operation: Operation, name: str) -> None:
        self._config = IdempotencyConfig(
            event_key_jmespath="[doctor_id, key]",
            payload_validation_jmespath="body",
            expires_after_seconds=IDEMPOTENCY_WINDOW_SECONDS,
            raise_on_no_idempotency_key=True,
        )
        persistence = DynamoDBPersistenceLayer(
            table_name=settings.idempotency_table_name,
            boto3_client=dynamodb_client(settings.dynamodb_endpoint_url),
        )
        self._run = idempotent_function(
            operation,
            data_keyword_argument="request",
            persistence_store=persistence,
            config=self._config,
            # A stable name, not the module path: records must outlive refactors and match across environments.
            key_prefix=name,
        )

    def __call__(
        self, context: LambdaContext | None, doctor_id: str, key: str, body: dict[str, Any], **dependencies: Any
    ) -> dict[str, Any]:
        if context is not None:
            self._config.register_lambda_context(context)  # in-progress records expire with the invocation
        with _translated():
            result: dict[str, Any] = self._run(
                request={"doctor_id": doctor_id, "key": key, "body": body}, **dependencies
            )
        return result


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except IdempotencyValidationError:
        raise InvalidInput(
            [FieldProblem(HEADER, "was already used with a different request body")],
            "This Idempotency-Key belongs to another request.",
        ) from None
    except IdempotencyAlreadyInProgressError:
        raise IdempotencyConflict(
            "A request with this Idempotency-Key is still being processed; retry shortly."
        ) from None
    except IdempotencyPersistenceLayerError as error:
        raise ServiceUnavailable("The idempotency store did not answer; retry later.") from error
