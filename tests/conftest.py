"""Process-wide test settings: fake AWS credentials, and the functions' environment from template.yaml."""

from __future__ import annotations

import os

from local.environment import export_functions_environment

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_DEV": "false",
    }
)
os.environ.pop("DYNAMODB_ENDPOINT_URL", None)
export_functions_environment()
