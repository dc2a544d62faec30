"""The deployment's safety rules, read from template.yaml: auth, least privilege, data protection, alarms."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from local.template import api_routes, load_template, resources
from tests.template.dynamodb_calls import ROOT, dynamodb_actions_of, import_closure, modules_calling_dynamodb

TEMPLATE = load_template()
FUNCTIONS = resources(TEMPLATE, "AWS::Serverless::Function")
TABLES = resources(TEMPLATE, "AWS::DynamoDB::Table")
READ_ONLY_ACTIONS = {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem"}
READ_ONLY_FUNCTIONS = {"AvailabilityFunction", "PatientsFunction"}
# What a function serving patient data may do besides: write the access audit (scheduling/audit.py).
AUDIT_ACTIONS = {"logs:CreateLogStream", "logs:PutLogEvents", "kms:GenerateMac"}
STORE = Path(__file__).resolve().parents[2] / "layers" / "scheduling" / "scheduling" / "store"


def statements(function: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for policy in function["Properties"].get("Policies", []):
        assert isinstance(policy, dict), f"only inline policies are allowed: {policy}"
        assert "Statement" in policy, f"only inline policies are allowed: {policy}"
        found += policy["Statement"]
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_every_route_requires_iam_auth() -> None:
    [api] = resources(TEMPLATE, "AWS::Serverless::Api").values()
    assert api["Properties"]["Auth"]["DefaultAuthorizer"] == "AWS_IAM"
    for function in FUNCTIONS.values():
        for event in function["Properties"].get("Events", {}).values():
            assert event["Properties"]["RestApiId"] == {"Ref": "SchedulingApi"}
            assert "Auth" not in event["Properties"], "a route must not override the IAM authorizer"
    assert all("{proxy+}" not in route.path for route in api_routes(TEMPLATE))


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_no_wildcard_permissions(name: str) -> None:
    for statement in statements(FUNCTIONS[name]):
        assert statement["Effect"] == "Allow"
        assert all("*" not in action for action in as_list(statement["Action"])), statement
        assert "*" not in as_list(statement["Resource"]), statement


@pytest.mark.parametrize("name", sorted(READ_ONLY_FUNCTIONS))
def test_read_only_functions_can_only_read(name: str) -> None:
    actions = {action for statement in statements(FUNCTIONS[name]) for action in as_list(statement["Action"])}
    assert actions - AUDIT_ACTIONS <= READ_ONLY_ACTIONS


def handler_module(function: dict[str, Any]) -> Path:
    module = str(function["Properties"]["Handler"]).rsplit(".", 1)[0]
    return ROOT / str(function["Properties"]["CodeUri"]) / f"{module.replace('.', '/')}.py"


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_functions_may_make_every_dynamodb_call_their_code_can_reach(name: str) -> None:
    on_the_table = [
        statement
        for statement in statements(FUNCTIONS[name])
        if {"Fn::GetAtt": ["SchedulingTable", "Arn"]} in as_list(statement["Resource"])
    ]
    granted = {action for statement in on_the_table for action in as_list(statement["Action"])}

    needed = dynamodb_actions_of(handler_module(FUNCTIONS[name]))

    assert needed <= granted, needed - granted


def test_every_module_that_calls_dynamodb_is_reached_by_some_function() -> None:
    reached = {module for function in FUNCTIONS.values() for module in import_closure(handler_module(function))}

    callers = modules_calling_dynamodb()

    assert STORE / "search.py" in callers
    assert callers <= reached, callers - reached


def test_the_derivation_finds_the_calls_made_through_a_helper_and_a_partial() -> None:
    # search.py's BatchGetItem is made inside a method handed to fan_out with functools.partial.
    needed = dynamodb_actions_of(handler_module(FUNCTIONS["AvailabilityFunction"]))

    assert needed == {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_no_function_can_scan(name: str) -> None:
    actions = {action for statement in statements(FUNCTIONS[name]) for action in as_list(statement["Action"])}
    assert "dynamodb:Scan" not in actions


@pytest.mark.parametrize("name", sorted(TABLES))
def test_tables_are_protected(name: str) -> None:
    table = TABLES[name]
    properties = table["Properties"]
    assert table["DeletionPolicy"] == "RetainExceptOnCreate"
    assert table["UpdateReplacePolicy"] == "Retain"
    assert properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert properties["SSESpecification"]["SSEEnabled"] is True
    protection = TEMPLATE["Resources"]["TablesDeletionProtection"]["Properties"]
    assert {"Ref": name} in protection["TableNames"]  # switched on once the create can no longer roll back
    assert protection["Enabled"] == {"Ref": "TableDeletionProtection"}
    assert TEMPLATE["Parameters"]["TableDeletionProtection"]["Default"] == "true"
    assert properties["BillingMode"] == "PAY_PER_REQUEST"


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_function_has_a_log_group_with_retention(name: str) -> None:
    groups = [
        group["Properties"]
        for group in resources(TEMPLATE, "AWS::Logs::LogGroup").values()
        if group["Properties"].get("LogGroupName") == {"Fn::Sub": f"/aws/lambda/${{{name}}}"}
    ]
    assert len(groups) == 1
    assert groups[0]["RetentionInDays"]


def test_alarms_watch_5xx_and_throttles() -> None:
    alarms = [alarm["Properties"] for alarm in resources(TEMPLATE, "AWS::CloudWatch::Alarm").values()]
    watched = {
        (alarm["Namespace"], alarm["MetricName"], str(alarm["Dimensions"][0]["Value"]))
        for alarm in alarms
        if alarm.get("Dimensions")  # metric-math and dimensionless alarms are checked on the transform
    }

    assert any(namespace == "AWS/ApiGateway" and metric == "5XXError" for namespace, metric, _ in watched)
    for function in FUNCTIONS:
        assert ("AWS/Lambda", "Throttles", str({"Ref": function})) in watched
    for table in TABLES:
        assert ("AWS/DynamoDB", "WriteThrottleEvents", str({"Ref": table})) in watched
        assert ("AWS/DynamoDB", "ReadThrottleEvents", str({"Ref": table})) in watched
    assert all(alarm["AlarmActions"] for alarm in alarms)


def test_globals_fix_runtime_architecture_tracing_and_powertools() -> None:
    function_globals = TEMPLATE["Globals"]["Function"]
    assert (function_globals["Runtime"], function_globals["Architectures"]) == ("python3.13", ["arm64"])
    assert function_globals["Tracing"] == "Active"
    assert {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE"} <= set(
        function_globals["Environment"]["Variables"]
    )


def test_outputs_name_the_api_url_and_the_table() -> None:
    assert {"ApiUrl", "TableName"} <= set(TEMPLATE["Outputs"])


EVENTS_PUBLISHER = STORE.parent / "events" / "publisher.py"


def test_the_events_consumer_may_make_every_eventbridge_call_its_publisher_makes_on_its_bus_only() -> None:
    calls = set(re.findall(r"self\._client\.(\w+)\(", EVENTS_PUBLISHER.read_text()))
    needed = {"events:" + "".join(word.capitalize() for word in call.split("_")) for call in calls}
    on_the_bus = [
        statement
        for statement in statements(FUNCTIONS["EventsFunction"])
        if any(action.startswith("events:") for action in as_list(statement["Action"]))
    ]

    assert needed == {"events:PutEvents"}
    assert [as_list(statement["Resource"]) for statement in on_the_bus] == [
        [{"Fn::GetAtt": ["SchedulingEventBus", "Arn"]}]
    ]
    assert needed <= {action for statement in on_the_bus for action in as_list(statement["Action"])}


def test_the_events_consumer_reads_only_the_tables_stream_and_writes_no_table() -> None:
    actions = {
        action
        for statement in statements(FUNCTIONS["EventsFunction"])
        for action in as_list(statement["Action"])
        if action.startswith("dynamodb:")
    }
    resources_read = [
        as_list(statement["Resource"])
        for statement in statements(FUNCTIONS["EventsFunction"])
        if any(action.startswith("dynamodb:") for action in as_list(statement["Action"]))
    ]

    assert actions == {
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:ListStreams",
    }
    assert resources_read == [[{"Fn::GetAtt": ["SchedulingTable", "StreamArn"]}]]
    assert "Events" not in FUNCTIONS["EventsFunction"]["Properties"], "a SAM DynamoDB event attaches a '*' policy"


@pytest.mark.parametrize(
    ("function", "dead_letters"),
    [("EventsFunction", "EventsDeadLetterQueue"), ("ReactionsFunction", "ReactionsDeadLetterQueue")],
)
def test_the_stream_carries_old_and_new_images_to_a_mapping_that_retries_bisects_and_dead_letters(
    function: str, dead_letters: str
) -> None:
    table = TABLES["SchedulingTable"]["Properties"]
    mappings = resources(TEMPLATE, "AWS::Lambda::EventSourceMapping").values()
    [properties] = [m["Properties"] for m in mappings if m["Properties"]["FunctionName"] == {"Ref": function}]
    queue = resources(TEMPLATE, "AWS::SQS::Queue")[dead_letters]["Properties"]

    assert table["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert properties["EventSourceArn"] == {"Fn::GetAtt": ["SchedulingTable", "StreamArn"]}
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert properties["BisectBatchOnFunctionError"] is True
    assert 0 < properties["MaximumRetryAttempts"] <= 10
    assert properties["ParallelizationFactor"] == 1  # order per doctor
    assert properties["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": [dead_letters, "Arn"]}
    assert queue["KmsMasterKeyId"] == {"Ref": "SchedulingDataKey"}
    assert resources(TEMPLATE, "AWS::KMS::Key")["SchedulingDataKey"]["Properties"]["EnableKeyRotation"] is True
    assert len(mappings) <= 2, "DynamoDB Streams serves at most two consumers per shard without throttling"


def test_the_dead_letter_queue_depth_and_the_consumers_lag_are_alarmed() -> None:
    alarms = [alarm["Properties"] for alarm in resources(TEMPLATE, "AWS::CloudWatch::Alarm").values()]
    watched = {
        (alarm["Namespace"], alarm["MetricName"], str(alarm["Dimensions"][0]["Value"]))
        for alarm in alarms
        if alarm.get("Dimensions")  # metric-math and dimensionless alarms are checked on the transform
    }

    assert (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        str({"Fn::GetAtt": ["EventsDeadLetterQueue", "QueueName"]}),
    ) in watched
    assert ("AWS/Lambda", "IteratorAge", str({"Ref": "EventsFunction"})) in watched
    assert ("AWS/Lambda", "Errors", str({"Ref": "EventsFunction"})) in watched
