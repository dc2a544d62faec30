"""Process-wide test settings: fake AWS credentials, and the functions' environment from template.yaml."""

from __future__ import annotations

import os

from local.template import function_environment, load_template, resources, table_names

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

_template = load_template()
for _function in resources(_template, "AWS::Serverless::Function"):
    for _name, _value in function_environment(_template, _function, table_names(_template)).items():
        os.environ.setdefault(_name, _value)
