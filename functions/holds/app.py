"""Holds: reserve a slot for a few minutes, read a hold, release it. Converting one is a booking (appointments)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler import Depends, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header
from aws_lambda_powertools.metrics import MetricUnit

from scheduling import service
from scheduling.audit import audit
from scheduling.config import HoldsSettings
from scheduling.http import (
    LOCATION_HEADER,
    WITH_A_BODY,
    create_resolver,
    documented,
    lambda_handler_for,
    request_actor,
)
from scheduling.models import Actor, Hold, HoldRequest
from scheduling.observability import logger, metrics
from scheduling.store import SchedulingStore, store_for

if TYPE_CHECKING:
    from scheduling.idempotency import IdempotentRunner

settings = HoldsSettings()  # read from the environment, fails at cold start if incomplete
app = create_resolver()
TAGS = ["Holds"]


def scheduling_store() -> SchedulingStore:
    return store_for(settings)


Store = Annotated[SchedulingStore, Depends(scheduling_store)]
Caller = Annotated[Actor, Depends(request_actor)]


def _hold(request: dict[str, Any], request_key: str, store: SchedulingStore, actor: Actor) -> dict[str, Any]:
    hold = HoldRequest.model_validate(request["body"])
    return service.hold(store, request["doctor_id"], hold, request_key, actor=actor).model_dump(mode="json")


@cache
def hold_once() -> IdempotentRunner:
    """Built on the first keyed hold: the idempotency utility is not needed at cold start otherwise."""
    from scheduling.idempotency import IdempotentRunner

    return IdempotentRunner(settings, _hold, name="hold-slot")


@app.post(
    "/doctors/<doctor_id>/holds",
    summary="Hold a free published slot for a few minutes",
    tags=TAGS,
    responses=documented(201, "The hold", *WITH_A_BODY, 404, 409, headers={"Location": LOCATION_HEADER}),
)
def hold_slot(
    doctor_id: str,
    request: Annotated[HoldRequest, Body()],
    store: Store,
    actor: Caller,
    idempotency_key: Annotated[
        str | None,
        Header(alias="idempotency-key", min_length=1, max_length=255, description="Retry-safe hold key."),
    ] = None,
) -> Response[Hold]:
    if idempotency_key is None:
        held = service.hold(store, doctor_id, request, actor=actor)
    else:
        body = request.model_dump(mode="json")
        held = Hold.model_validate(
            hold_once()(app.lambda_context, doctor_id, idempotency_key, body, store=store, actor=actor)
        )
    audit("hold.create", actor, doctor_id, patient_id=held.patient_id, hold_id=held.id)
    metrics.add_metric(name="SlotsHeld", unit=MetricUnit.Count, value=1)
    logger.info("slot held", extra={"doctor_id": doctor_id, "expires_at": held.expires_at.isoformat()})
    return Response(
        status_code=201,
        content_type="application/json",
        body=held,
        headers={"Location": f"/doctors/{doctor_id}/holds/{held.id}"},
    )


@app.get(
    "/doctors/<doctor_id>/holds/<hold_id>",
    summary="Read a hold: held, expired, released or booked",
    tags=TAGS,
    responses=documented(200, "The hold", 404),
)
def get_hold(doctor_id: str, hold_id: str, store: Store, actor: Caller) -> Hold:
    held = service.get_hold(store, doctor_id, hold_id)
    audit("hold.read", actor, doctor_id, patient_id=held.patient_id, hold_id=hold_id)
    return held


@app.delete(
    "/doctors/<doctor_id>/holds/<hold_id>",
    summary="Release a hold (repeat-safe)",
    tags=TAGS,
    responses=documented(204, "Released (or already released or expired)", 404, 409),
)
def release_hold(doctor_id: str, hold_id: str, store: Store, actor: Caller) -> Response[None]:
    service.release_hold(store, doctor_id, hold_id, actor=actor)
    audit("hold.release", actor, doctor_id, hold_id=hold_id)
    return Response(status_code=204)


lambda_handler = lambda_handler_for(app)
