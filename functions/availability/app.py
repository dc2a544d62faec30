"""Availability: a doctor's free, published slots. Read-only."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Query

from scheduling import service
from scheduling.config import Settings
from scheduling.http import TIME_BOUND, TIME_BOUND_MAX_LENGTH, create_resolver, documented, lambda_handler_for
from scheduling.models import SlotsPage
from scheduling.store import SchedulingStore, store_for

settings = Settings()  # read from the environment, fails at cold start if incomplete
app = create_resolver()


def scheduling_store() -> SchedulingStore:
    """The one provider of the store; tests replace it through `app.dependency_overrides`."""
    return store_for(settings)


@app.get(
    "/doctors/<doctor_id>/slots",
    summary="Free published slots of a doctor",
    tags=["Availability"],
    responses=documented(200, "Free slots, ascending", 404),
)
def free_slots(
    doctor_id: str,
    store: Annotated[SchedulingStore, Depends(scheduling_store)],
    from_: Annotated[
        str | None, Query(alias="from", max_length=TIME_BOUND_MAX_LENGTH, description=f"{TIME_BOUND} Default: now.")
    ] = None,
    to: Annotated[
        str | None,
        Query(
            max_length=TIME_BOUND_MAX_LENGTH,
            description=f"{TIME_BOUND} Default: from + 7 days; at most 31 days after from.",
        ),
    ] = None,
) -> SlotsPage:
    return SlotsPage(items=service.free_slots(store, doctor_id, from_, to))


lambda_handler = lambda_handler_for(app)
