"""Patients: a patient's own appointments with every doctor. Read-only."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Query

from scheduling import service
from scheduling.config import Settings
from scheduling.errors import FieldProblem, InvalidInput
from scheduling.http import TIME_BOUND_MAX_LENGTH, create_resolver, documented, lambda_handler_for
from scheduling.models import AppointmentsPage, AppointmentStatus, parse_rfc3339
from scheduling.store import SchedulingStore, store_for

settings = Settings()  # read from the environment, fails at cold start if incomplete
app = create_resolver()
INSTANT = "RFC 3339 date-time with an offset."


def scheduling_store() -> SchedulingStore:
    """The one provider of the store; tests replace it through `app.dependency_overrides`."""
    return store_for(settings)


def _instant(name: str, text: str | None) -> datetime | None:
    """Query text to an instant, here at the edge (a patient has no time zone, so no plain dates)."""
    if text is None:
        return None
    try:
        return parse_rfc3339(text)
    except ValueError:
        raise InvalidInput(
            [FieldProblem(name, f"must be an {INSTANT}")], f"Query parameter '{name}' is not valid."
        ) from None


@app.get(
    "/patients/<patient_id>/appointments",
    summary="A patient's appointments with every doctor, by start",
    tags=["Patients"],
    responses=documented(200, "A page of appointments"),
)
def list_patient_appointments(
    patient_id: str,
    store: Annotated[SchedulingStore, Depends(scheduling_store)],
    from_: Annotated[str | None, Query(alias="from", max_length=TIME_BOUND_MAX_LENGTH, description=INSTANT)] = None,
    to: Annotated[str | None, Query(max_length=TIME_BOUND_MAX_LENGTH, description=INSTANT)] = None,
    status: Annotated[AppointmentStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    next_token: Annotated[str | None, Query(max_length=2048)] = None,
) -> AppointmentsPage:
    if not 1 <= len(patient_id) <= 100:
        raise InvalidInput([FieldProblem("patient_id", "must be 1 to 100 characters")])
    start, end = _instant("from", from_), _instant("to", to)
    page = service.list_patient_appointments(store, patient_id, start, end, status, limit, next_token)
    return AppointmentsPage(items=page.items, next_token=page.next_token)


lambda_handler = lambda_handler_for(app)
