"""The hold expiry margin covers the longest a conversion's write can still be sent after its clock reading."""

from __future__ import annotations

from datetime import timedelta

from local.template import load_template, resources
from scheduling.domain.hold_expiry import HOLD_EXPIRY_MARGIN

TEMPLATE = load_template()


def test_the_margin_is_at_least_the_timeout_of_every_function_that_converts_holds() -> None:
    default = TEMPLATE["Globals"]["Function"]["Timeout"]
    functions = resources(TEMPLATE, "AWS::Serverless::Function")
    converting = {name: functions[name] for name in ("AppointmentsFunction", "FhirFunction")}

    timeouts = {name: function["Properties"].get("Timeout", default) for name, function in converting.items()}

    assert all(timedelta(seconds=seconds) <= HOLD_EXPIRY_MARGIN for seconds in timeouts.values()), timeouts
