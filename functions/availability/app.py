"""Availability: free, published slots of a doctor, or across the doctors at a location or of a specialty.
Read-only.

No `from __future__ import annotations` here: powertools reads the route's type hints again on every request (to
find its `Depends`), and string annotations would be evaluated each time (about 0.3 ms of a request).
"""

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends, Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from scheduling import service
from scheduling.config import Settings
from scheduling.http import (
    INSTANT,
    TIME_BOUND,
    TIME_BOUND_MAX_LENGTH,
    InstantText,
    TimeBoundText,
    create_resolver,
    documented,
    lambda_handler_for,
    query_instant,
    query_time_bound,
)
from scheduling.models import DoctorSlotsPage, SlotsPage, slots_page_json
from scheduling.store import SchedulingStore, store_for

settings = Settings()  # read from the environment, fails at cold start if incomplete
app = create_resolver()

# The answer is written as JSON text (`slots_page_json`: a month of 5-minute slots is 8,928 items, too many to
# build and validate one model each); `SlotsPage` is its documented schema, and tests hold the two together.
FREE_SLOTS_ANSWERS = documented(200, "Free slots, ascending", 404)
FREE_SLOTS_ANSWERS[200]["content"] = {"application/json": {"model": SlotsPage}}


def scheduling_store() -> SchedulingStore:
    return store_for(settings)


@app.get(
    "/doctors/<doctor_id>/slots",
    summary="Free published slots of a doctor",
    tags=["Availability"],
    responses=FREE_SLOTS_ANSWERS,
)
def free_slots(
    doctor_id: str,
    store: Annotated[SchedulingStore, Depends(scheduling_store)],
    from_: Annotated[
        TimeBoundText | None,
        Query(alias="from", max_length=TIME_BOUND_MAX_LENGTH, description=f"{TIME_BOUND} Default: now."),
    ] = None,
    to: Annotated[
        TimeBoundText | None,
        Query(
            max_length=TIME_BOUND_MAX_LENGTH,
            description=f"{TIME_BOUND} Default: from + 7 days; at most 31 days after from.",
        ),
    ] = None,
) -> Response[str]:
    slots = service.free_slots(store, doctor_id, query_time_bound("from", from_), query_time_bound("to", to))
    return Response(200, "application/json", slots_page_json(slots))


@app.get(
    "/slots",
    summary="Free published slots across doctors, by location and/or specialty",
    tags=["Availability"],
    responses=documented(200, "Free slots, ascending by start then doctor id"),
)
def search_slots(
    store: Annotated[SchedulingStore, Depends(scheduling_store)],
    location: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=300,
            description="One of the doctors' locations; case and runs of spaces are ignored. "
            "Only slots held there are answered.",
        ),
    ] = None,
    specialty: Annotated[
        str | None, Query(min_length=1, max_length=64, description="A specialty of the doctors (case is ignored).")
    ] = None,
    from_: Annotated[
        InstantText | None,
        Query(alias="from", max_length=TIME_BOUND_MAX_LENGTH, description=f"{INSTANT} Default: now."),
    ] = None,
    to: Annotated[
        InstantText | None,
        Query(
            max_length=TIME_BOUND_MAX_LENGTH,
            description=f"{INSTANT} Default: from + 7 days; at most 31 days after from.",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    next_token: Annotated[str | None, Query(min_length=1, max_length=2048)] = None,
) -> DoctorSlotsPage:
    search = service.SlotSearch(
        location=location,
        specialty=specialty,
        start=query_instant("from", from_),
        end=query_instant("to", to),
        limit=limit,
        next_token=next_token,
    )
    page = service.search_slots(store, search)
    return DoctorSlotsPage(items=page.items, next_token=page.next_token)


lambda_handler = lambda_handler_for(app)
