"""Print the CloudFormation template that the SAM transform makes of template.yaml, as JSON.

Run by the SAM CLI's own interpreter (`.tools/aws-sam-cli/bin/python tools/sam_transform.py [Name=value ...]`),
because its `samtranslator` is the translator `sam deploy` pairs with and its pins clash with ours. The
managed-policy map is a stub: the template uses inline policies only. Local code paths are replaced by S3 URIs,
as `sam deploy` uploads them before CloudFormation runs the transform. Parameters not given keep their defaults.
SAM_TEMPLATE=path transforms another copy of the template (the local runner's IAM tests take actions out of one).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

TEMPLATE = Path(os.environ.get("SAM_TEMPLATE") or Path(__file__).resolve().parents[1] / "template.yaml")


CODE_PROPERTIES = {"AWS::Serverless::Function": "CodeUri", "AWS::Serverless::LayerVersion": "ContentUri"}


class NoManagedPolicies:
    def load(self) -> dict[str, str]:
        return {}


def main(arguments: list[str]) -> None:
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    parameters: dict[str, Any] = dict(argument.split("=", 1) for argument in arguments)
    parameters.update({"AWS::Region": "us-east-1", "AWS::Partition": "aws", "AWS::AccountId": "123456789012"})
    template = yaml_parse(TEMPLATE.read_text())
    for name, resource in template["Resources"].items():
        code = CODE_PROPERTIES.get(resource["Type"])
        if code and isinstance(resource["Properties"].get(code), str):
            resource["Properties"][code] = f"s3://artifacts/{name}.zip"
    json.dump(transform(template, parameters, NoManagedPolicies()), sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
