"""The functions' environment, read from `template.yaml`, and the fake AWS settings that keep everything local.

One place for what the tests, the benchmarks, the OpenAPI generator and the runner's workers all need.
"""

from __future__ import annotations

import os
from typing import Any

from local.template import function_environment, load_template, resources, table_names

# moto and botocore need credentials and a region; none of them reach AWS.
OFFLINE_AWS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_SESSION_TOKEN": "local",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}
# No X-Ray daemon here, and metrics would print an EMF blob per request.
QUIET_POWERTOOLS = {
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
}


def functions_environment(template: dict[str, Any] | None = None) -> dict[str, str]:
    """Every function's variables (Globals merged with its own, references resolved to local table names), as
    one environment for code that runs all functions in one interpreter. Fails if two functions disagree."""
    template = template or load_template()
    tables = table_names(template)
    merged: dict[str, str] = {}
    for function in resources(template, "AWS::Serverless::Function"):
        for name, value in function_environment(template, function, tables).items():
            if merged.setdefault(name, value) != value:
                raise ValueError(f"{name} differs between functions; they cannot share one environment")
    return merged


def export_functions_environment(template: dict[str, Any] | None = None) -> None:
    """Put the functions' environment into `os.environ`; what the caller already exported wins."""
    for name, value in functions_environment(template).items():
        os.environ.setdefault(name, value)


def worker_environment(
    template: dict[str, Any],
    function: str,
    references: dict[str, str] | None = None,
    credentials: dict[str, str] | None = None,
) -> dict[str, str]:
    """What one function's execution environment sees: its own variables from the template (`!Ref` resolved to
    `references`, the deployed names), then the runner's environment on top (so `POWERTOOLS_LOG_LEVEL=DEBUG make
    run` works), then its role's credentials (local/iam.py), as Lambda gives each function its own."""
    resolved = references if references is not None else table_names(template)
    return {**function_environment(template, function, resolved), **os.environ, **(credentials or {})}
