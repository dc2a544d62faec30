"""The one error table (`scheduling.error_table`): every domain error has its row, and both edges (native
problem+json and FHIR OperationOutcome) answer it with that row's status and `Retry-After`."""

from __future__ import annotations

import inspect
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from scheduling import errors
from scheduling.error_table import ERROR_TABLE, NEVER_RAISED, row_for
from scheduling.errors import FieldProblem, SchedulingError
from scheduling.fhir.outcomes import error_response
from scheduling.http.problems import scheduling_error_response

AT = datetime(2030, 1, 2, 9, 30, tzinfo=UTC)
ERROR_CLASSES = sorted(
    (kind for _, kind in inspect.getmembers(errors, inspect.isclass) if issubclass(kind, SchedulingError)),
    key=lambda kind: kind.__name__,
)
RAISED = [kind for kind in ERROR_CLASSES if kind not in NEVER_RAISED]
# Constructor arguments of the errors whose `__init__` is not `SchedulingError`'s (which takes a detail).
ARGUMENTS: dict[type[SchedulingError], tuple[Any, ...]] = {
    errors.InvalidInput: ([FieldProblem("schedule.monday[0].end", "must be after start 10:00")],),
    errors.InvalidBound: ("to", "must be later than from"),
    errors.DoctorNotFound: ("d-1",),
    errors.AppointmentNotFound: ("d-1", "a-1"),
    errors.SlotTaken: ("d-1", AT),
    errors.SlotHeld: ("d-1", AT),
    errors.SeriesSlotsTaken: ("d-1", [AT]),
    errors.SeriesNotFound: ("d-1", "s-1"),
    errors.WaitlistEntryNotFound: ("d-1", "w-1"),
    errors.HoldNotFound: ("d-1", "h-1"),
    errors.HoldExpired: ("h-1", "expired"),
    errors.HoldReleased: ("h-1", "released"),
    errors.TransitionNotAllowed: ("Cannot.", "cancelled", []),
    errors.PatientBusy: (AT, AT),
}


def an_instance(kind: type[SchedulingError]) -> SchedulingError:
    if kind not in ARGUMENTS:
        assert kind.__init__ is SchedulingError.__init__, f"add {kind.__name__}'s arguments to ARGUMENTS"
    return kind(*ARGUMENTS.get(kind, ("Some detail.",)))


def test_the_walk_finds_the_errors() -> None:
    assert {errors.DoctorNotFound, errors.StaleRecord, errors.ServiceUnavailable} <= set(RAISED)


@pytest.mark.parametrize("kind", RAISED, ids=lambda kind: kind.__name__)
def test_every_domain_error_has_its_own_row(kind: type[SchedulingError]) -> None:
    assert kind in ERROR_TABLE, f"{kind.__name__} needs a row in scheduling/error_table.py"


def test_only_bases_are_never_raised() -> None:
    """A class without a row must be a base that names a family: its subclasses all have rows."""
    for base in NEVER_RAISED:
        assert base not in ERROR_TABLE
        assert [kind for kind in ERROR_CLASSES if kind.__base__ is base]


def test_a_subclass_outside_the_module_answers_as_its_parent() -> None:
    class OfferStillOpen(errors.ConcurrentUpdate):
        pass

    assert row_for(OfferStillOpen("Not yet.")) == ERROR_TABLE[errors.ConcurrentUpdate]


@pytest.mark.parametrize("kind", RAISED, ids=lambda kind: kind.__name__)
def test_both_edges_answer_the_rows_status_and_retry_after(kind: type[SchedulingError]) -> None:
    error = an_instance(kind)
    row = ERROR_TABLE[kind]

    problem = scheduling_error_response(error)
    outcome = error_response(error, reading=False)

    assert problem.status_code == outcome.status_code == row.status
    assert json.loads(str(problem.body))["type"] == f"/problems/{row.problem}"
    assert json.loads(str(outcome.body))["issue"][0]["code"] == row.fhir_code
    retry = problem.headers.get("Retry-After"), outcome.headers.get("Retry-After")
    assert retry == ((str(row.retry_after),) * 2 if row.retry_after else (None, None))
