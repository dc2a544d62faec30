"""The availability function's handler as it was before issue 12, frozen (see `tests.support.old_slots`): the
same resolver and decorator stack, a route that returns a `SlotsPage` for powertools to validate and serialise.

No `from __future__ import annotations` here: powertools resolves the nested route's annotations at once.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Query

from scheduling.http import TIME_BOUND_MAX_LENGTH, create_resolver, lambda_handler_for
from scheduling.models import SlotsPage
from scheduling.store import SchedulingStore
from tests.support.old_slots import free_slots


def old_lambda_handler(
    scheduling_store: Callable[[], SchedulingStore], now: Callable[[], datetime]
) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    app = create_resolver()

    @app.get("/doctors/<doctor_id>/slots")
    def free_slots_route(
        doctor_id: str,
        store: Annotated[SchedulingStore, Depends(scheduling_store)],
        from_: Annotated[str | None, Query(alias="from", max_length=TIME_BOUND_MAX_LENGTH)] = None,
        to: Annotated[str | None, Query(max_length=TIME_BOUND_MAX_LENGTH)] = None,
    ) -> SlotsPage:
        return SlotsPage(items=free_slots(store, doctor_id, from_, to, now()))

    return lambda_handler_for(app)
