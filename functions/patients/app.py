"""Patients: a patient's own appointments with every doctor. Read-only."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import TypeAdapter, ValidationError

from scheduling import service
from scheduling.audit import audit
from scheduling.config import Settings
from scheduling.errors import FieldProblem, InvalidInput
from scheduling.http import (
    INSTANT,
    TIME_BOUND_MAX_LENGTH,
    InstantText,
    create_resolver,
    documented,
    lambda_handler_for,
    query_instant,
    request_actor,
)
from scheduling.models import Actor, AppointmentsPage, AppointmentStatus
from scheduling.models.base import PatientId
from scheduling.store import SchedulingStore, store_for

PATIENT_ID: TypeAdapter[str] = TypeAdapter(PatientId)
settings = Settings()  # read from the environment, fails at cold start if incomplete
app = create_resolver()


def scheduling_store() -> SchedulingStore:
    return store_for(settings)


@app.get(
    "/patients/<patient_id>/appointments",
    summary="A patient's appointments with every doctor, by start",
    tags=["Patients"],
    responses=documented(200, "A page of appointments"),
)
def list_patient_appointments(
    patient_id: str,
    store: Annotated[SchedulingStore, Depends(scheduling_store)],
    actor: Annotated[Actor, Depends(request_actor)],
    from_: Annotated[
        InstantText | None, Query(alias="from", max_length=TIME_BOUND_MAX_LENGTH, description=INSTANT)
    ] = None,
    to: Annotated[InstantText | None, Query(max_length=TIME_BOUND_MAX_LENGTH, description=INSTANT)] = None,
    status: Annotated[AppointmentStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    next_token: Annotated[str | None, Query(min_length=1, max_length=2048)] = None,
) -> AppointmentsPage:
    try:
        PATIENT_ID.validate_python(patient_id)
    except ValidationError as error:
        raise InvalidInput([FieldProblem("patient_id", error.errors()[0]["msg"])]) from None
    start, end = query_instant("from", from_), query_instant("to", to)
    page = service.list_patient_appointments(store, patient_id, start, end, status, limit, next_token)
    audit("patient.appointments.list", actor, patient_id=patient_id)
    return AppointmentsPage(items=page.items, next_token=page.next_token)


lambda_handler = lambda_handler_for(app)
