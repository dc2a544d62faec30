"""Who is calling: the `Actor` a request acts as, read from API Gateway's request context and `X-Acting-User`.

`by` is the caller's IAM principal ARN (`requestContext.identity.userArn`, else `caller`): every route is
`AWS_IAM`, so API Gateway sets it. `on_behalf_of` is the person a trusted service acts for, from the
`X-Acting-User` header (a patient-id-like text); it is never taken from a body. Routes declare
`Annotated[Actor, Depends(request_actor)]`; the service receives the `Actor`, never a header.
"""

from __future__ import annotations

import re

from aws_lambda_powertools.event_handler.request import Request

from scheduling.errors import FieldProblem, InvalidInput
from scheduling.models import Actor

ACTING_USER_HEADER = "X-Acting-User"
# An event that did not come through an AWS_IAM route (a hand-made sample event) names no principal.
UNKNOWN_PRINCIPAL = "unknown"
# The patient-id alphabet (models/base.py `PatientId`): 1-100 characters, URL-safe, starting with a letter or digit.
_ACTING_USER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~:@-]{0,99}")
_RULE = "must be 1-100 of letters, digits, '.', '_', '~', ':', '@', '-', starting with a letter or digit"


def request_actor(request: Request) -> Actor:
    """The `Actor` of this request; an `X-Acting-User` that is not 1-100 patient-id characters is a 422."""
    event = request.resolved_event
    identity = (event.raw_event.get("requestContext") or {}).get("identity") or {}
    by = identity.get("userArn") or identity.get("caller") or UNKNOWN_PRINCIPAL
    acting = event.headers.get(ACTING_USER_HEADER)
    if acting is not None and _ACTING_USER.fullmatch(acting) is None:
        raise InvalidInput([FieldProblem(ACTING_USER_HEADER, _RULE)], "The X-Acting-User header is not valid.")
    return Actor(by=str(by), on_behalf_of=acting)
