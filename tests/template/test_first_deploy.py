"""The first deploy works, and so does the tenth: what CloudFormation receives (the SAM transform) under the
parameter set of each `sam deploy` (the template's defaults plus samconfig.toml's overrides).

- exactly one stage, and it turns access logging on only once the account names a logging role;
- what access logging needs is created whatever the parameters, with no manual step;
- a failed first create can delete everything it made (no table protected while the create can roll back);
- nothing kept after `sam delete` has a fixed name that the next deploy would find "already exists".
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.template.transformed import ROOT, of_type, samconfig_parameters, transformed_template

ENVIRONMENTS = ("default", "staging", "prod")
KEPT = {"Retain", "RetainExceptOnCreate", "Snapshot"}
# What the account-level logging setting and the tables' protection need, created with no parameter to set.
FIRST_DEPLOY_NEEDS = ("ApiGatewayLogsRole", "ApiGatewayLogging", "TablesDeletionProtection", "DeploySettingsFunction")


def references(value: Any) -> set[str]:
    """Logical ids a property value refers to (Ref, Fn::GetAtt, and ${Name} / ${Name.Attr} in Fn::Sub)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                found.add(inner)
            elif key == "Fn::GetAtt":
                found.add(inner[0] if isinstance(inner, list) else inner.split(".")[0])
            elif key == "Fn::Sub":
                text = inner[0] if isinstance(inner, list) else inner
                found |= {name.split(".")[0] for name in re.findall(r"\$\{([^}!]+)\}", text)}
                found |= references(inner[1] if isinstance(inner, list) else {})
            else:
                found |= references(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= references(inner)
    return found


def direct_dependencies(template: dict[str, Any], name: str) -> set[str]:
    resource = template["Resources"][name]
    depends = resource.get("DependsOn", [])
    named = {depends} if isinstance(depends, str) else set(depends)
    return (named | references(resource.get("Properties", {}))) & set(template["Resources"])


def dependencies(template: dict[str, Any], name: str) -> set[str]:
    """Every resource CloudFormation creates before `name` (and deletes after it)."""
    found: set[str] = set()
    pending = [name]
    while pending:
        for dependency in direct_dependencies(template, pending.pop()):
            if dependency not in found:
                found.add(dependency)
                pending.append(dependency)
    return found


@pytest.fixture(scope="module", params=ENVIRONMENTS)
def deployed(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The transform under `sam deploy --config-env <env>`'s parameters (samconfig.toml over the defaults)."""
    return transformed_template(samconfig_parameters(request.param))


def test_samconfig_names_only_template_parameters_and_none_a_first_deploy_must_set_by_hand() -> None:
    parameters = transformed_template()["Parameters"]

    for environment in ENVIRONMENTS:
        assert set(samconfig_parameters(environment)) <= set(parameters), environment
    assert samconfig_parameters("prod")["Stage"] == "prod"
    assert "CreateApiGatewayLogsRole" not in parameters  # the account's logging role is no longer a parameter


def test_exactly_one_stage_the_one_named_by_the_stage_parameter(deployed: dict[str, Any]) -> None:
    [stage] = of_type(deployed, "AWS::ApiGateway::Stage").values()

    assert stage["Properties"]["StageName"] == {"Ref": "Stage"}
    [api] = of_type(deployed, "AWS::ApiGateway::RestApi").values()
    assert "openapi" in api["Properties"]["Body"]  # OpenApiVersion set: SAM makes no extra "Stage" stage
    assert len(of_type(deployed, "AWS::ApiGateway::Deployment")) == 1


def test_the_stage_logs_only_after_the_account_names_a_role_the_stack_provides(deployed: dict[str, Any]) -> None:
    resources = deployed["Resources"]
    [(stage_name, stage)] = of_type(deployed, "AWS::ApiGateway::Stage").items()
    logging = resources["ApiGatewayLogging"]

    assert stage["Properties"]["AccessLogSetting"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    assert "ApiGatewayLogging" in dependencies(deployed, stage_name)
    assert logging["Type"] == "Custom::ApiGatewayLogging"
    assert logging["Properties"] == {
        "ServiceToken": {"Fn::GetAtt": ["DeploySettingsFunction", "Arn"]},
        "CloudWatchRoleArn": {"Fn::GetAtt": ["ApiGatewayLogsRole", "Arn"]},
    }
    role = resources["ApiGatewayLogsRole"]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "apigateway.amazonaws.com"}
    assert role["ManagedPolicyArns"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"}
    ]
    for name in FIRST_DEPLOY_NEEDS:
        assert "Condition" not in resources[name], name  # made whatever the parameters
    assert "CreateApiGatewayLogsRole" not in deployed["Parameters"]


def granted(template: dict[str, Any], role: str) -> dict[str, list[Any]]:
    statements = [
        statement
        for policy in template["Resources"][role]["Properties"]["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
    ]
    found: dict[str, list[Any]] = {}
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        for action in actions:
            found.setdefault(action, []).append(statement["Resource"])
    return found


def test_the_deploy_settings_function_may_do_exactly_what_its_custom_resources_need(deployed: dict[str, Any]) -> None:
    function = deployed["Resources"]["DeploySettingsFunction"]["Properties"]
    actions = granted(deployed, "DeploySettingsFunctionRole")

    assert (function["Runtime"], function["Architectures"]) == ("python3.13", ["arm64"])
    assert function["Role"] == {"Fn::GetAtt": ["DeploySettingsFunctionRole", "Arn"]}
    assert actions["apigateway:PATCH"] == [{"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}::/account"}]
    assert actions["iam:PassRole"] == [{"Fn::GetAtt": ["ApiGatewayLogsRole", "Arn"]}]
    assert actions["dynamodb:UpdateTable"] == [
        [{"Fn::GetAtt": ["SchedulingTable", "Arn"]}, {"Fn::GetAtt": ["IdempotencyTable", "Arn"]}]
    ]
    assert actions["cloudformation:DescribeStacks"] == [{"Ref": "AWS::StackId"}]
    assert not [action for action in actions if action.startswith(("iam:Create", "iam:Put", "iam:Attach"))]
    # Every custom resource type of the template has a handler in the function's code.
    handlers = handler_types(ROOT / function["Code"] / "app.py")
    custom = {
        resource["Type"] for resource in deployed["Resources"].values() if resource["Type"].startswith("Custom::")
    }
    assert custom == handlers


def handler_types(module: Path) -> set[str]:
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == "HANDLERS":
            assert isinstance(node.value, ast.Dict)
            return {
                key.value for key in node.value.keys if isinstance(key, ast.Constant) and isinstance(key.value, str)
            }
    raise AssertionError("no HANDLERS in the deploy settings function")


def test_a_failed_first_create_can_delete_the_tables(deployed: dict[str, Any]) -> None:
    tables = of_type(deployed, "AWS::DynamoDB::Table")
    protection = deployed["Resources"]["TablesDeletionProtection"]

    assert set(tables) == {"SchedulingTable", "IdempotencyTable"}
    for name, table in tables.items():
        # RetainExceptOnCreate deletes on a failed create; CloudFormation cannot delete a protected table.
        assert table["DeletionPolicy"] in {"Delete", "RetainExceptOnCreate"}, name
        assert table["Properties"].get("DeletionProtectionEnabled", False) is False, name
        # The protection resource is made after the table, so a rollback removes it (unprotecting) first.
        assert name in dependencies(deployed, "TablesDeletionProtection"), name
    assert protection["Type"] == "Custom::TableDeletionProtection"
    assert protection["Properties"]["TableNames"] == [{"Ref": "SchedulingTable"}, {"Ref": "IdempotencyTable"}]
    assert protection["Properties"]["Enabled"] == {"Ref": "TableDeletionProtection"}


def test_production_tables_end_up_protected_without_a_second_deploy() -> None:
    parameters = samconfig_parameters("prod")
    template = transformed_template(parameters)

    value = parameters.get("TableDeletionProtection", template["Parameters"]["TableDeletionProtection"]["Default"])

    assert value == "true"


def test_nothing_kept_after_the_stack_is_deleted_has_a_fixed_name(deployed: dict[str, Any]) -> None:
    kept = {
        name: resource
        for name, resource in deployed["Resources"].items()
        if resource.get("DeletionPolicy") in KEPT or resource.get("UpdateReplacePolicy") in KEPT
    }

    assert {"SchedulingTable", "IdempotencyTable", "ApiAccessLogGroup", "ApiGatewayLogsRole"} <= set(kept)
    for name, resource in kept.items():
        fixed = [key for key in resource.get("Properties", {}) if key.endswith("Name") and key != "KeyName"]
        assert not fixed, f"{name} is kept after `sam delete` with a fixed {fixed}: the next deploy would collide"


def test_the_access_log_audit_trail_outlives_the_stack_but_not_a_failed_first_create(deployed: dict[str, Any]) -> None:
    group = deployed["Resources"]["ApiAccessLogGroup"]

    assert group["DeletionPolicy"] == "RetainExceptOnCreate"
    assert group["Properties"]["RetentionInDays"] == {"Ref": "AccessLogRetentionDays"}
    assert json.dumps(deployed["Outputs"]["ApiAccessLogGroupName"]["Value"]) == json.dumps({"Ref": "ApiAccessLogGroup"})
