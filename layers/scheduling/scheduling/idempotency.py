"""`Idempotency-Key` support for bookings and holds, on the powertools idempotency utility (its own table, TTL).

A retry with the same key and the same body answers the first result and books nothing new; the same key with
another body is a 422. The key is scoped to the doctor. Requests without the header skip all of this.

The utility remembers a result only once the operation has answered. When the write committed but the answer
was lost with its worker (killed, timed out, crashed), the record stays "in progress" until the invocation's
deadline and the retry then runs the operation again. So the operation also gets `request_key(request)`, a
digest of the key and the request, from which it derives the ids it writes: the re-run finds its own write and
answers it (docs/design.md, "Exactly-once outcomes").

A record may keep only part of the answer (`keep`, e.g. a booking keeps its appointment's id, never the patient's
name): a replay then rebuilds the answer from what was kept (`replay`, e.g. re-reading the appointment).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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
from aws_lambda_powertools.utilities.idempotency.serialization.base import BaseIdempotencySerializer
from aws_lambda_powertools.utilities.typing import LambdaContext

from scheduling.config import IdempotentSettings
from scheduling.errors import FieldProblem, IdempotencyConflict, InvalidInput, ServiceUnavailable
from scheduling.store import dynamodb_client

IDEMPOTENCY_WINDOW_SECONDS = 24 * 60 * 60
HEADER = "Idempotency-Key"

# (request, request_key, **dependencies); only `request` is the idempotency key, `request_key` its digest. The
# answer is a JSON dict, or a model when a record keeps only some of its fields (`keep`).
Operation = Callable[..., Any]
# (kept, **dependencies): the whole answer again, from the fields a record kept
Replay = Callable[..., Any]


@dataclass(frozen=True)
class Replayed:
    """What a record kept of an earlier answer."""

    kept: dict[str, Any]


class _Kept(BaseIdempotencySerializer):
    """A record keeps only `fields` of the answer; reading it back gives a `Replayed`."""

    def __init__(self, fields: tuple[str, ...]) -> None:
        self._fields = fields

    def to_dict(self, data: Any) -> dict[str, Any]:
        answer = data if isinstance(data, dict) else data.model_dump(mode="json", include=set(self._fields))
        return {name: answer[name] for name in self._fields}

    def from_dict(self, data: dict[str, Any]) -> Replayed:
        return Replayed(dict(data))


class IdempotentRunner:
    """Runs an operation at most once per (doctor, key); remembers its JSON result for a day."""

    def __init__(
        self,
        settings: IdempotentSettings,
        operation: Operation,
        name: str,
        keep: tuple[str, ...] | None = None,
        replay: Replay | None = None,
    ) -> None:
        if (keep is None) != (replay is None):
            raise ValueError("`keep` and `replay` go together")
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
        self._name = name
        self._replay = replay
        self._run = idempotent_function(
            operation,
            data_keyword_argument="request",
            persistence_store=persistence,
            config=self._config,
            # A stable name, not the module path: records must outlive refactors and match across environments.
            key_prefix=name,
            output_serializer=_Kept(keep) if keep is not None else None,
        )

    def __call__(
        self, context: LambdaContext | None, doctor_id: str, key: str, body: dict[str, Any], **dependencies: Any
    ) -> Any:
        """The operation's answer, first time or replayed: what the operation (or `replay`) returns."""
        if context is not None:
            self._config.register_lambda_context(context)  # in-progress records expire with the invocation
        request = {"doctor_id": doctor_id, "key": key, "body": body}
        with _translated():
            result: Any = self._run(request=request, request_key=request_key(self._name, request), **dependencies)
        if isinstance(result, Replayed):
            assert self._replay is not None  # only a runner with `keep` (and so `replay`) stores a part
            return self._replay(result.kept, **dependencies)
        return result


def request_key(name: str, request: dict[str, Any]) -> str:
    """A digest of the operation, the doctor, the caller's key and the body: the same request always gives the
    same value, another body or another operation never does (ids derived from it are not the key's text)."""
    canonical = json.dumps([name, request["doctor_id"], request["key"], request["body"]], sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


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
