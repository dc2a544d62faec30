"""What routes receive through powertools `Depends`, and how a test replaces it.

Each provider is a plain function: the clock's is here (`scheduling_clock`, installed for the whole request by the
`on_the_request_clock` middleware that both resolvers register), the store's is each function's own
`scheduling_store` (built from that function's settings), the caller's is `request_actor`. A test replaces any of
them with `app.dependency_overrides[provider] = replacement` and clears the overrides after
(tests/functional/test_clock_override.py, tests/functional/test_store_override.py).
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Depends, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from scheduling.service import clock
from scheduling.service.clock import Clock


def scheduling_clock() -> Clock:
    """The one provider of the clock: the system's."""
    return clock.system_now


def on_the_request_clock(
    app: APIGatewayRestResolver,
    next_middleware: NextMiddleware,
    request_clock: Annotated[Clock, Depends(scheduling_clock)],
) -> Response[object]:
    """Middleware: the service reads the provided clock for the rest of the request."""
    with clock.reading(request_clock):
        return next_middleware(app)
