"""Errors as FHIR answers: an `OperationOutcome` (`application/fhir+json`). A domain error is rendered from its
row in `scheduling.error_table` (HTTP status, `issue.code`, `Retry-After`), the table the native edge's problems
use too; the FHIR request errors below carry their own status and issues.

A well-formed request that breaks a booking rule is 422 `business-rule` in an operation (FHIR's status for a
business rule violation) and 400 `invalid` in a search or read, where FHIR answers bad parameters with 400.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response

from scheduling.error_table import row_for
from scheduling.errors import DayFull, FieldProblem, InvalidInput, SchedulingError, SlotTaken

FHIR_JSON = "application/fhir+json"


@dataclass(frozen=True)
class Issue:
    code: str  # http://hl7.org/fhir/issue-type
    diagnostics: str
    expression: str | None = None
    severity: str = "error"


class FhirRequestError(SchedulingError):
    """A FHIR request we cannot serve as asked: its status, and one issue per problem."""

    def __init__(self, status: HTTPStatus, issues: list[Issue]) -> None:
        super().__init__("; ".join(issue.diagnostics for issue in issues))
        self.status = status
        self.issues = issues


def invalid(diagnostics: str, expression: str | None = None, code: str = "invalid") -> FhirRequestError:
    return FhirRequestError(HTTPStatus.BAD_REQUEST, [Issue(code, diagnostics, expression)])


def not_supported(diagnostics: str, expression: str | None = None) -> FhirRequestError:
    return FhirRequestError(HTTPStatus.BAD_REQUEST, [Issue("not-supported", diagnostics, expression)])


def not_found(diagnostics: str) -> FhirRequestError:
    return FhirRequestError(HTTPStatus.NOT_FOUND, [Issue("not-found", diagnostics)])


# IHE ITI-116: an appointment that can no longer be held is answered with a fatal `not-found` issue.
NO_LONGER_AVAILABLE = (SlotTaken, DayFull)


def operation_outcome(issues: Iterable[Issue]) -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": issue.severity,
                "code": issue.code,
                "diagnostics": issue.diagnostics,
                **({"expression": [issue.expression]} if issue.expression else {}),
            }
            for issue in issues
        ],
    }


def fhir_response(status: int, resource: dict[str, Any], headers: dict[str, str] | None = None) -> Response[str]:
    return Response(status_code=status, content_type=FHIR_JSON, body=json.dumps(resource), headers=headers)


def outcome_response(status: HTTPStatus, issues: list[Issue], headers: dict[str, str] | None = None) -> Response[str]:
    return fhir_response(int(status), operation_outcome(issues), headers)


def error_response(error: SchedulingError, *, reading: bool, holding: bool = False) -> Response[str]:
    """`reading`: a search or read (rule errors are then 400 `invalid`); `holding`: the `$hold` operation."""
    if isinstance(error, FhirRequestError):
        return outcome_response(error.status, error.issues)
    row = row_for(error)
    status, code = row.status, row.fhir_code
    issues = [Issue(code, error.detail)]
    if isinstance(error, InvalidInput):
        if reading:
            status, code = HTTPStatus.BAD_REQUEST, "invalid"
        issues = [Issue(code, field_sentence(error.detail, item), item.path) for item in error.problems] or issues
    if holding and isinstance(error, NO_LONGER_AVAILABLE):
        issues = [Issue("not-found", f"The proposed appointment is no longer available: {error.detail}", None, "fatal")]
    return outcome_response(status, issues, row.headers())


def field_sentence(detail: str, problem: FieldProblem) -> str:
    """One bad field as one sentence after the error's own: `This appointment cannot be booked: 'start' is not
    the start of a published slot.` A field message is a predicate (`is not ...`, `must be ...`) written to
    follow the field's name; a library's message (`Field required`) follows it after a colon."""
    message = problem.message.rstrip(".")
    joint = " " if message[:1].islower() else ": "
    return f"{detail.rstrip('.')}: '{problem.path}'{joint}{message}."


def invalid_body(
    errors: list[dict[str, Any]], root: str, parameter_names: list[str | None] | None = None
) -> FhirRequestError:
    """A body `fhir.resources` refused: one issue per error (at most 20), at its FHIRPath-like location, each one
    sentence naming the parameter (`parameter_names`, by position) or the element, the library's message after a
    colon: `Parameter 'start' is not a valid dateTime: DateTime value string does not match spec regex.`"""
    issues = []
    for item in errors[:20]:
        location = tuple(item.get("loc", ()))
        path = ".".join([root, *(str(part) for part in location)])
        code = "structure" if item.get("type") == "extra_forbidden" else "invalid"
        issues.append(Issue(code, _body_sentence(location, path, str(item.get("msg")), parameter_names or []), path))
    return FhirRequestError(HTTPStatus.BAD_REQUEST, issues or [Issue("invalid", "The body is not valid.", root)])


def _body_sentence(location: tuple[Any, ...], path: str, message: str, names: list[str | None]) -> str:
    said = message.removeprefix("Value error, ").rstrip(".")
    index = location[1] if len(location) > 2 and location[0] == "parameter" else None
    name = names[index] if isinstance(index, int) and 0 <= index < len(names) else None
    if name is None:
        return f"'{path}' is not valid: {said}."
    element = ".".join(str(part) for part in location[2:])
    if len(location) == 3 and element.startswith("value") and len(element) > len("value"):
        kind = element[len("value") :]
        return f"Parameter '{name}' is not a valid {kind[:1].lower()}{kind[1:]}: {said}."
    return f"Parameter '{name}' is not valid at '{element}': {said}."


def route_not_found() -> Response[str]:
    return outcome_response(HTTPStatus.NOT_FOUND, [Issue("not-found", "No such FHIR interaction on this server.")])


def internal_error() -> Response[str]:
    return outcome_response(
        HTTPStatus.INTERNAL_SERVER_ERROR,
        [Issue("exception", "Something went wrong on our side; it has been logged.", None, "fatal")],
    )


def unsupported_media_type(media_type: str) -> Response[str]:
    return outcome_response(
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
        [Issue("not-supported", f"Send the body as application/fhir+json (or application/json), not {media_type}.")],
    )


def body_problem(status: HTTPStatus, diagnostics: str) -> Response[str]:
    return outcome_response(status, [Issue("invalid" if status == HTTPStatus.BAD_REQUEST else "too-long", diagnostics)])
