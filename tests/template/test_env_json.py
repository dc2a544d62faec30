"""env.json, the `sam local --env-vars` file, is derived from the template and can only say what SAM applies."""

from __future__ import annotations

import json
from typing import Any

from local.sam_env import ENDPOINT_SUFFIX, ENV_JSON, sam_environment
from local.template import load_template, resources


def declared(template: dict[str, Any], function: str) -> dict[str, Any]:
    """The variables the template declares for `function` (Globals, then its own)."""
    globals_ = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    own = template["Resources"][function]["Properties"].get("Environment", {}).get("Variables", {})
    return {**globals_, **own}


def test_env_json_is_current() -> None:
    """Run `python -m local.sam_env` after changing the functions' environment."""
    assert json.loads(ENV_JSON.read_text()) == sam_environment(load_template())


def test_env_json_sets_only_variables_the_template_declares() -> None:
    """The SAM CLI overrides declared variables only: anything else in env.json would be silently ignored."""
    template = load_template()
    overrides = json.loads(ENV_JSON.read_text())

    assert set(overrides) == set(resources(template, "AWS::Serverless::Function"))
    for function, variables in overrides.items():
        assert set(variables) <= set(declared(template, function)), function
        assert variables["TABLE_NAME"] == "SchedulingTable", function


def test_the_endpoint_variables_are_empty_on_aws() -> None:
    """Declared (so that env.json can set them) and empty in the template (so AWS's own endpoints are used)."""
    template = load_template()
    for function in resources(template, "AWS::Serverless::Function"):
        endpoints = {
            name: value for name, value in declared(template, function).items() if name.endswith(ENDPOINT_SUFFIX)
        }
        assert endpoints.get("DYNAMODB_ENDPOINT_URL") == "", function
        assert set(endpoints.values()) == {""}, function
    assert declared(template, "EventsFunction")["EVENTS_ENDPOINT_URL"] == ""
