"""Reads what the local runner and the tests need from `template.yaml`: routes, environment and tables.

The template stays the single source of truth for the key schema and the routes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from local.paths import ROOT

TEMPLATE_PATH = ROOT / "template.yaml"

# Table properties that only matter on AWS; create_table does not take them.
_AWS_ONLY_TABLE_PROPERTIES = {
    "PointInTimeRecoverySpecification",
    "SSESpecification",
    "DeletionProtectionEnabled",
    "TimeToLiveSpecification",
    "Tags",
}


# libyaml's parser when PyYAML was built with it (its wheels are): a tenth of the pure-Python parser's CPU, which
# every runner, worker and test process pays once.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _CloudFormationLoader(_SafeLoader):  # type: ignore[misc,valid-type]
    """Keeps intrinsic functions (`!Ref X`) as `{"Ref": "X"}` / `{"Fn::Sub": ...}` instead of failing."""


def _intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if tag_suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CloudFormationLoader.add_multi_constructor("!", _intrinsic)


@cache
def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    with path.open() as handle:
        template: dict[str, Any] = yaml.load(handle, Loader=_CloudFormationLoader)  # noqa: S506  # SafeLoader subclass
    return template


@dataclass(frozen=True)
class ApiRoute:
    method: str
    path: str  # API Gateway resource path, e.g. /doctors/{doctor_id}
    function: str  # logical id
    module_file: Path
    handler: str

    @property
    def pattern(self) -> re.Pattern[str]:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.path)
        return re.compile(f"^{regex}$")


def resources(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {name: body for name, body in template["Resources"].items() if body["Type"] == resource_type}


def api_routes(template: dict[str, Any]) -> list[ApiRoute]:
    routes = []
    for name, function in resources(template, "AWS::Serverless::Function").items():
        properties = function["Properties"]
        module, handler = properties["Handler"].rsplit(".", 1)
        module_file = ROOT / properties["CodeUri"] / f"{module.replace('.', '/')}.py"
        for event in properties.get("Events", {}).values():
            if event["Type"] == "Api":
                routes.append(
                    ApiRoute(
                        event["Properties"]["Method"].upper(), event["Properties"]["Path"], name, module_file, handler
                    )
                )
    return routes


@dataclass(frozen=True)
class FunctionCode:
    """Where a function's code is in the repository, its handler, and the layers it runs with."""

    name: str  # logical id
    code_uri: str  # e.g. functions/doctors/
    module: str  # e.g. app
    handler: str  # e.g. lambda_handler
    layers: tuple[str, ...]  # logical ids of its layers, in order


def function_code(template: dict[str, Any]) -> dict[str, FunctionCode]:
    global_layers = template.get("Globals", {}).get("Function", {}).get("Layers", [])
    found = {}
    for name, function in resources(template, "AWS::Serverless::Function").items():
        properties = function["Properties"]
        module, handler = properties["Handler"].rsplit(".", 1)
        layers = [*global_layers, *properties.get("Layers", [])]
        found[name] = FunctionCode(
            name, properties["CodeUri"], module, handler, tuple(_layer_id(layer) for layer in layers)
        )
    return found


def layer_content_uris(template: dict[str, Any]) -> dict[str, str]:
    """Layer logical id -> its ContentUri in the repository."""
    return {
        name: layer["Properties"]["ContentUri"]
        for name, layer in resources(template, "AWS::Serverless::LayerVersion").items()
    }


def _layer_id(layer: Any) -> str:
    if isinstance(layer, dict) and "Ref" in layer:
        return str(layer["Ref"])
    raise ValueError(f"the local runner serves only layers of this template, not {layer!r}")


def table_names(template: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Logical id -> the table name used locally (the logical id, optionally prefixed)."""
    return {name: f"{prefix}{name}" for name in resources(template, "AWS::DynamoDB::Table")}


def function_environment(template: dict[str, Any], function: str, tables: dict[str, str]) -> dict[str, str]:
    """Globals environment merged with the function's own; `!Ref` to a table gives its local name, to a
    parameter its default."""
    variables = dict(template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {}))
    own = template["Resources"][function]["Properties"].get("Environment", {}).get("Variables", {})
    variables.update(own)
    defaults = {
        name: str(spec["Default"]) for name, spec in template.get("Parameters", {}).items() if "Default" in spec
    }
    # No audit group or hash key locally: audit lines go to the function's log, hashed with the dev key.
    audit = {name: "" for kind in ("AWS::Logs::LogGroup", "AWS::KMS::Key") for name in resources(template, kind)}
    references = {**defaults, **audit, **event_bus_names(template), **schedule_group_names(template), **tables}
    return {name: _resolve(value, references) for name, value in variables.items()}


def schedule_group_names(template: dict[str, Any]) -> dict[str, str]:
    """Logical id -> the EventBridge Scheduler group name used locally (the logical id)."""
    return {name: name for name in resources(template, "AWS::Scheduler::ScheduleGroup")}


def local_arn(logical_id: str) -> str:
    """What `!GetAtt <logical id>.Arn` gives locally: an ARN whose last part names the resource (local/scheduler.py
    invokes the function a schedule's target names this way)."""
    return f"arn:aws:local:us-east-1:000000000000:{logical_id}"


def event_bus_names(template: dict[str, Any]) -> dict[str, str]:
    """Logical id -> the event bus name used locally (the logical id)."""
    return {name: name for name in resources(template, "AWS::Events::EventBus")}


def stream_consumers(template: dict[str, Any]) -> dict[str, str]:
    """Function logical id -> the logical id of the table whose stream its event source mapping reads."""
    found = {}
    for mapping in resources(template, "AWS::Lambda::EventSourceMapping").values():
        properties = mapping["Properties"]
        source = properties["EventSourceArn"].get("Fn::GetAtt", [])
        if len(source) == 2 and source[1] == "StreamArn":
            found[properties["FunctionName"]["Ref"]] = source[0]
    return found


def _resolve(value: Any, references: dict[str, str]) -> str:
    if isinstance(value, dict) and "Ref" in value:
        return references[value["Ref"]]
    if isinstance(value, dict) and "Fn::GetAtt" in value and list(value["Fn::GetAtt"])[1:] == ["Arn"]:
        return local_arn(value["Fn::GetAtt"][0])
    if isinstance(value, str):
        return value
    raise ValueError(f"the local runner cannot resolve {value!r}")


def create_table_requests(template: dict[str, Any], tables: dict[str, str]) -> list[dict[str, Any]]:
    """`CreateTable` arguments for every table in the template."""
    requests = []
    for logical_id, table in resources(template, "AWS::DynamoDB::Table").items():
        properties = {k: v for k, v in table["Properties"].items() if k not in _AWS_ONLY_TABLE_PROPERTIES}
        properties["TableName"] = tables[logical_id]
        if "StreamSpecification" in properties:  # CloudFormation implies StreamEnabled; CreateTable wants it
            properties["StreamSpecification"] = {"StreamEnabled": True, **properties["StreamSpecification"]}
        requests.append(properties)
    return requests


def time_to_live_attributes(template: dict[str, Any], tables: dict[str, str]) -> dict[str, str]:
    found = {}
    for logical_id, table in resources(template, "AWS::DynamoDB::Table").items():
        ttl = table["Properties"].get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            found[tables[logical_id]] = ttl["AttributeName"]
    return found


def create_tables(client: Any, template: dict[str, Any], tables: dict[str, str]) -> None:
    """Create (if missing) every table of the template on `client`'s endpoint."""
    existing = set(client.list_tables()["TableNames"])
    for request in create_table_requests(template, tables):
        if request["TableName"] not in existing:
            client.create_table(**request)
            client.get_waiter("table_exists").wait(TableName=request["TableName"])
    for name, attribute in time_to_live_attributes(template, tables).items():
        client.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute}
        )
