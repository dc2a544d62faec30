"""The template's resources in the embedded moto: the transformed template deployed into moto's CloudFormation.

What CloudFormation would create for the data path is created the same way here: the tables (keys, indexes,
stream), the event bus, the dead-letter queue and its key, and every function's execution role with the policies
the SAM transform wrote. What moto's CloudFormation cannot take, or what the runner plays itself, is left out
(STRIPPED_TYPES, listed in docs/local-runner.md): the functions, their permissions and event source mapping (the
runner's workers and stream pump are them), the REST API, its deployment and stage (local/gateway.py is them),
the layer, log groups, alarms, the alarm topic and the account-level API Gateway settings.

Two documented steps after the deploy: moto's CloudFormation ignores a table's TimeToLiveSpecification, so it is
applied from the template with UpdateTimeToLive; and a table the template does not name is named by its logical
id (CloudFormation would invent `<stack>-<id>-<random>`), so that tools and tests can name it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

STACK_NAME = "local"
DEPLOYED_TYPES = frozenset(
    {"AWS::DynamoDB::Table", "AWS::Events::EventBus", "AWS::SQS::Queue", "AWS::KMS::Key", "AWS::IAM::Role"}
)


@dataclass(frozen=True)
class LocalStack:
    tables: dict[str, str]  # logical id -> table name
    buses: dict[str, str]  # logical id -> event bus name
    queues: dict[str, str]  # logical id -> queue URL
    roles: dict[str, str]  # function logical id -> its execution role's ARN
    stripped: dict[str, list[str]] = field(default_factory=dict)  # type -> logical ids not deployed

    @property
    def references(self) -> dict[str, str]:
        """What `!Ref` of a deployed resource gives the functions' environment."""
        return {**self.tables, **self.buses, **self.queues}

    def describe(self) -> str:
        tables = ", ".join(f"{logical}={name}" for logical, name in self.tables.items())
        buses = ", ".join(self.buses.values())
        return f"Tables: {tables}; event bus: {buses}"


def deployable(transformed: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The transformed template without what is not deployed locally, and what was left out (by type)."""
    kept: dict[str, Any] = {}
    stripped: dict[str, list[str]] = {}
    for name, resource in transformed["Resources"].items():
        if resource["Type"] in DEPLOYED_TYPES:
            kept[name] = json.loads(json.dumps(resource))
        else:
            stripped.setdefault(resource["Type"], []).append(name)
    for name, resource in kept.items():
        depends = resource.get("DependsOn")
        if depends is not None:
            depends = [depends] if isinstance(depends, str) else depends
            resource["DependsOn"] = [other for other in depends if other in kept]
        if resource["Type"] == "AWS::DynamoDB::Table":
            resource["Properties"].setdefault("TableName", name)
    # A kept resource may name a stripped one (a role's grant on a log group): that part is inert here.
    gone = {other for names in stripped.values() for other in names}
    kept = {name: _without_references(resource, gone) for name, resource in kept.items()}
    template = {key: value for key, value in transformed.items() if key not in {"Resources", "Outputs"}}
    template["Resources"] = kept
    return template, stripped


def deploy(session: Any, endpoint: str | None, transformed: dict[str, Any], stack_name: str = STACK_NAME) -> LocalStack:
    """Create the stack on `endpoint` (moto) and return the names the functions will see."""
    template, stripped = deployable(transformed)
    cloudformation = session.client("cloudformation", endpoint_url=endpoint)
    cloudformation.create_stack(StackName=stack_name, TemplateBody=json.dumps(template))
    status = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"]
    if status != "CREATE_COMPLETE":  # moto creates a stack before answering; AWS would need the waiter
        cloudformation.get_waiter("stack_create_complete").wait(StackName=stack_name, WaiterConfig={"Delay": 1})
    physical = {
        resource["LogicalResourceId"]: resource.get("PhysicalResourceId")
        for resource in cloudformation.describe_stack_resources(StackName=stack_name)["StackResources"]
        if "LogicalResourceId" in resource
    }
    resources = template["Resources"]
    tables = {name: resources[name]["Properties"]["TableName"] for name in _of_type(resources, "AWS::DynamoDB::Table")}
    queues = {name: str(physical[name]) for name in _of_type(resources, "AWS::SQS::Queue")}
    buses = _bus_names(session.client("events", endpoint_url=endpoint), resources, stack_name)
    iam = session.client("iam", endpoint_url=endpoint)
    roles = {}
    for function, body in transformed["Resources"].items():
        role = body["Properties"].get("Role") if body["Type"] == "AWS::Lambda::Function" else None
        if isinstance(role, dict) and "Fn::GetAtt" in role and role["Fn::GetAtt"][0] in physical:
            roles[function] = iam.get_role(RoleName=physical[role["Fn::GetAtt"][0]])["Role"]["Arn"]
    _apply_time_to_live(session.client("dynamodb", endpoint_url=endpoint), resources, tables)
    return LocalStack(tables, buses, queues, roles, stripped)


def _placeholder(name: str, attribute: str = "") -> str:
    return f"arn:aws:local:us-east-1:123456789012:not-deployed/{name}" + (f"/{attribute}" if attribute else "")


def _without_references(value: Any, stripped: set[str]) -> Any:
    """`value` with every Ref, GetAtt and Sub reference to a stripped resource replaced by a placeholder ARN."""
    if isinstance(value, list):
        return [_without_references(item, stripped) for item in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"} and value["Ref"] in stripped:
        return _placeholder(value["Ref"])
    if set(value) == {"Fn::GetAtt"}:
        target = value["Fn::GetAtt"]
        target = target.split(".", 1) if isinstance(target, str) else target
        if target[0] in stripped:
            return _placeholder(target[0], str(target[1]))
    if set(value) == {"Fn::Sub"}:
        body = value["Fn::Sub"]
        text, variables = (body[0], body[1]) if isinstance(body, list) else (body, {})

        def replace(found: re.Match[str]) -> str:
            name, _, attribute = found.group(1).partition(".")
            return _placeholder(name, attribute) if name in stripped and name not in variables else found.group(0)

        text = re.sub(r"\$\{([^}!]+)\}", replace, text)
        variables = _without_references(variables, stripped)
        return {"Fn::Sub": [text, variables] if isinstance(body, list) else text}
    return {key: _without_references(item, stripped) for key, item in value.items()}


def _of_type(resources: dict[str, Any], resource_type: str) -> list[str]:
    return [name for name, body in resources.items() if body["Type"] == resource_type]


def _bus_names(events: Any, resources: dict[str, Any], stack_name: str) -> dict[str, str]:
    """Moto's CloudFormation records no physical id for a bus: its name is read back from the bus itself."""
    existing = {bus["Name"] for bus in events.list_event_buses()["EventBuses"]}
    found = {}
    for name in _of_type(resources, "AWS::Events::EventBus"):
        declared = resources[name]["Properties"]["Name"]
        if isinstance(declared, dict) and "Fn::Sub" in declared:
            declared = declared["Fn::Sub"].replace("${AWS::StackName}", stack_name)
        if declared not in existing:
            raise RuntimeError(f"the event bus {name} ({declared}) was not created")
        found[name] = declared
    return found


def _apply_time_to_live(dynamodb: Any, resources: dict[str, Any], tables: dict[str, str]) -> None:
    """Moto's CloudFormation skips TimeToLiveSpecification: the template's is applied as CloudFormation would."""
    for name, table in tables.items():
        spec = resources[name]["Properties"].get("TimeToLiveSpecification")
        if spec and spec.get("Enabled"):
            dynamodb.update_time_to_live(
                TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": spec["AttributeName"]}
            )


def time_to_live_attributes(transformed: dict[str, Any], tables: dict[str, str]) -> dict[str, str]:
    """Table name -> its TTL attribute, as the template declares them."""
    found = {}
    for name, table in tables.items():
        spec = transformed["Resources"][name]["Properties"].get("TimeToLiveSpecification")
        if spec and spec.get("Enabled"):
            found[table] = spec["AttributeName"]
    return found
