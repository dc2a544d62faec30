"""The template's IAM is enforced by the local runner: a route whose function's role lacks an action it needs fails
locally as it would on AWS (local/iam.py). Each case starts a runner on a copy of template.yaml with one action
taken out of one function's policy, and shows the route that needs it failing while the full template's works."""

from __future__ import annotations

from pathlib import Path

import pytest

from local.paths import ROOT
from tests.api.conftest import Api, new_doctor, own_runner


def without_action(folder: Path, function: str, action: str) -> Path:
    """A copy of template.yaml in which `function`'s policy no longer grants `action`."""
    text = (ROOT / "template.yaml").read_text()
    start = text.index(f"\n  {function}:\n")
    end = text.index("\n      Events:", start)
    policy = text[start:end]
    narrowed = policy.replace(f", {action}]", "]").replace(f"{action}, ", "").replace(f"- {action}\n", "\n")
    assert narrowed != policy, f"{function} does not grant {action}"
    copy = folder / "template.yaml"
    copy.write_text(text[:start] + narrowed + text[end:])
    return copy


def book(api: Api) -> int:
    """POST an appointment (a transaction: the slot's lock is put, the doctor checked)."""
    doctor = new_doctor(api)
    body = {"start": "2035-06-04T09:00:00+00:00", "location": "North Wing"}
    return api.post(f"/doctors/{doctor}/appointments", json=body).status_code


def free_slots(api: Api) -> int:
    """GET a doctor's free slots (a Query of the doctor's partition)."""
    doctor = new_doctor(api)
    return api.get(f"/doctors/{doctor}/slots", params={"from": "2035-06-04", "to": "2035-06-05"}).status_code


@pytest.mark.parametrize(
    ("function", "action", "route"),
    [
        ("AppointmentsFunction", "dynamodb:ConditionCheckItem", book),  # the booking transaction checks the slot
        ("AvailabilityFunction", "dynamodb:Query", free_slots),
    ],
)
def test_a_route_fails_locally_without_an_action_its_role_needs(
    tmp_path: Path, api: Api, function: str, action: str, route: object
) -> None:
    assert callable(route)
    assert route(api) in {200, 201}  # the template as it is: the route works

    copy = without_action(tmp_path, function, action)
    with own_runner(tmp_path, environment={"LOCAL_TEMPLATE": str(copy)}) as runner:
        status = route(runner.api)

    assert status == 500  # AccessDeniedException, as on AWS: the function answers "something went wrong"
