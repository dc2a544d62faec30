"""Patient data at rest under one customer-managed key, nothing of it in access logs or API Gateway traces, and
alarms that reach someone and mean something: checked on the transformed template."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.template.transformed import of_type

ROOT = Path(__file__).resolve().parents[2]
NAMESPACE = "HospitalScheduling"
# The AWS metrics the dashboard and the alarms may name (per namespace), as the services publish them.
AWS_METRICS = {
    "AWS/ApiGateway": {"Count", "4XXError", "5XXError", "Latency", "IntegrationLatency"},
    "AWS/Lambda": {"Errors", "Throttles", "Invocations", "Duration", "IteratorAge", "ConcurrentExecutions"},
    "AWS/DynamoDB": {"ReadThrottleEvents", "WriteThrottleEvents", "ThrottledRequests", "SystemErrors"},
    "AWS/SQS": {"ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage"},
}


def emitted_metrics() -> set[str]:
    """The business metrics the code publishes (powertools, namespace from the template's Globals)."""
    sources = [*ROOT.joinpath("functions").rglob("*.py"), *ROOT.joinpath("layers", "scheduling").rglob("*.py")]
    return {name for source in sources for name in re.findall(r'add_metric\(name="(\w+)"', source.read_text())}


def filtered_metrics(template: dict[str, Any]) -> set[str]:
    return {
        transformation["MetricName"]
        for metric_filter in of_type(template, "AWS::Logs::MetricFilter").values()
        for transformation in metric_filter["Properties"]["MetricTransformations"]
        if transformation["MetricNamespace"] == NAMESPACE
    }


def exists(template: dict[str, Any], namespace: str, name: str) -> bool:
    if namespace == NAMESPACE:
        return name in emitted_metrics() | filtered_metrics(template)
    return name in AWS_METRICS.get(namespace, set())


def test_tables_bus_and_dead_letter_queue_are_encrypted_with_the_one_rotated_data_key(
    transformed: dict[str, Any],
) -> None:
    resources = transformed["Resources"]
    key = resources["SchedulingDataKey"]

    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "RetainExceptOnCreate"  # the retained tables are unreadable without it
    for table in of_type(transformed, "AWS::DynamoDB::Table").values():
        assert table["Properties"]["SSESpecification"] == {
            "SSEEnabled": True,
            "SSEType": "KMS",
            "KMSMasterKeyId": {"Ref": "SchedulingDataKey"},
        }
    assert resources["SchedulingEventBus"]["Properties"]["KmsKeyIdentifier"] == {
        "Fn::GetAtt": ["SchedulingDataKey", "Arn"]
    }
    assert resources["EventsDeadLetterQueue"]["Properties"]["KmsMasterKeyId"] == {"Ref": "SchedulingDataKey"}
    assert not [
        name
        for name in of_type(transformed, "AWS::KMS::Key")
        if name not in {"SchedulingDataKey", "AlarmTopicKey", "AuditHashKey"}  # the audit's HMAC key encrypts nothing
    ]


def test_the_key_lets_dynamodb_act_for_this_account_only_and_eventbridge_for_this_bus_only(
    transformed: dict[str, Any],
) -> None:
    statements = {
        statement["Sid"]: statement
        for statement in transformed["Resources"]["SchedulingDataKey"]["Properties"]["KeyPolicy"]["Statement"]
    }

    dynamodb = statements["ThroughDynamoDBForThisAccount"]
    assert dynamodb["Condition"]["StringEquals"]["kms:CallerAccount"] == {"Ref": "AWS::AccountId"}
    assert dynamodb["Condition"]["StringEquals"]["kms:ViaService"] == {
        "Fn::Sub": "dynamodb.${AWS::Region}.amazonaws.com"
    }
    assert {"kms:Decrypt", "kms:GenerateDataKey*", "kms:CreateGrant"} <= set(dynamodb["Action"])
    events = statements["EventBridgeEncryptsTheBus"]
    assert events["Principal"] == {"Service": "events.amazonaws.com"}
    assert set(events["Action"]) == {"kms:GenerateDataKey", "kms:Decrypt"}
    assert events["Condition"]["StringEquals"]["aws:SourceArn"]["Fn::Sub"].endswith(
        ":event-bus/${AWS::StackName}-scheduling"
    )
    bus_name = transformed["Resources"]["SchedulingEventBus"]["Properties"]["Name"]
    assert bus_name == {"Fn::Sub": "${AWS::StackName}-scheduling"}


def test_the_events_function_may_use_the_key_for_its_dead_letter_queue_and_bus(transformed: dict[str, Any]) -> None:
    role = transformed["Resources"]["EventsFunctionRole"]["Properties"]
    statements = [statement for policy in role["Policies"] for statement in policy["PolicyDocument"]["Statement"]]
    [kms] = [statement for statement in statements if "kms:Decrypt" in statement["Action"]]

    assert kms["Resource"] == [{"Fn::GetAtt": ["SchedulingDataKey", "Arn"]}]


def test_only_the_functions_granted_put_events_may_publish_on_the_bus(transformed: dict[str, Any]) -> None:
    [policy] = of_type(transformed, "AWS::Events::EventBusPolicy").values()
    statement = policy["Properties"]["Statement"]
    publishers = sorted(
        name
        for name, role in of_type(transformed, "AWS::IAM::Role").items()
        for document in role["Properties"].get("Policies", [])
        for grant in document["PolicyDocument"]["Statement"]
        if "events:PutEvents" in (grant["Action"] if isinstance(grant["Action"], list) else [grant["Action"]])
    )

    assert publishers == ["EventsFunctionRole", "RemindersFunctionRole"]
    assert policy["Properties"]["EventBusName"] == {"Ref": "SchedulingEventBus"}
    assert statement["Effect"] == "Deny"
    assert statement["Principal"] == "*"
    assert statement["Action"] == "events:PutEvents"
    assert statement["Condition"] == {
        "ArnNotEquals": {"aws:PrincipalArn": [{"Fn::GetAtt": [name, "Arn"]} for name in publishers]}
    }


def test_access_logs_name_the_route_template_never_the_path(transformed: dict[str, Any]) -> None:
    [stage] = of_type(transformed, "AWS::ApiGateway::Stage").values()
    log_format = stage["Properties"]["AccessLogSetting"]["Format"]

    assert "$context.path" not in log_format
    assert "$context.resourcePath" in log_format
    assert "patient" not in log_format.lower()


def test_api_gateway_records_no_traces_with_the_request_url(transformed: dict[str, Any]) -> None:
    [stage] = of_type(transformed, "AWS::ApiGateway::Stage").values()

    assert stage["Properties"].get("TracingEnabled", False) is False
    for function in of_type(transformed, "AWS::Lambda::Function").values():
        assert function["Properties"]["TracingConfig"] == {"Mode": "Active"}


def alarm_metrics(alarm: dict[str, Any]) -> list[tuple[str, str]]:
    properties = alarm["Properties"]
    if "MetricName" in properties:
        return [(properties["Namespace"], properties["MetricName"])]
    return [
        (query["MetricStat"]["Metric"]["Namespace"], query["MetricStat"]["Metric"]["MetricName"])
        for query in properties["Metrics"]
        if "MetricStat" in query
    ]


def test_alarms_cover_4xx_rate_429_p99_latency_database_unavailable_throttles_and_the_dead_letter_queue(
    transformed: dict[str, Any],
) -> None:
    alarms = of_type(transformed, "AWS::CloudWatch::Alarm")
    watched = {metric for alarm in alarms.values() for metric in alarm_metrics(alarm)}
    [p99] = [
        alarm["Properties"] for alarm in alarms.values() if alarm_metrics(alarm) == [("AWS/ApiGateway", "Latency")]
    ]
    [rate] = [alarm["Properties"] for alarm in alarms.values() if "Metrics" in alarm["Properties"]]

    assert {
        ("AWS/ApiGateway", "4XXError"),
        ("AWS/ApiGateway", "Count"),
        ("AWS/ApiGateway", "5XXError"),
        ("AWS/ApiGateway", "Latency"),
        (NAMESPACE, "ApiThrottled"),
        (NAMESPACE, "DatabaseUnavailable"),
        ("AWS/Lambda", "Throttles"),
        ("AWS/DynamoDB", "ReadThrottleEvents"),
        ("AWS/DynamoDB", "WriteThrottleEvents"),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
    } <= watched
    assert p99["ExtendedStatistic"] == "p99"
    assert [query["Expression"] for query in rate["Metrics"] if query.get("ReturnData")] == [
        "IF(requests >= 20, refused / requests, 0)"
    ]
    for name, alarm in alarms.items():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
        for namespace, metric in alarm_metrics(alarm):
            assert exists(transformed, namespace, metric), (name, namespace, metric)


def test_the_429_metric_counts_throttled_requests_in_the_access_logs(transformed: dict[str, Any]) -> None:
    [metric_filter] = of_type(transformed, "AWS::Logs::MetricFilter").values()

    assert metric_filter["Properties"]["LogGroupName"] == {"Ref": "ApiAccessLogGroup"}
    assert metric_filter["Properties"]["FilterPattern"] == '{ $.status = "429" }'


def test_the_database_unavailable_alarm_watches_the_metric_the_code_emits_with_its_service_dimension(
    transformed: dict[str, Any],
) -> None:
    [alarm] = [
        alarm["Properties"]
        for alarm in of_type(transformed, "AWS::CloudWatch::Alarm").values()
        if alarm["Properties"].get("MetricName") == "DatabaseUnavailable"
    ]

    assert "DatabaseUnavailable" in emitted_metrics()
    assert alarm["Namespace"] == NAMESPACE
    assert alarm["Dimensions"] == [{"Name": "service", "Value": "scheduling"}]
    # Every function that runs the scheduling layer (the one that emits metrics); the deploy-time custom
    # resource's function has no layer and emits none.
    emitting = [f for f in of_type(transformed, "AWS::Lambda::Function").values() if f["Properties"].get("Layers")]
    assert len(emitting) >= 7
    for function in emitting:
        environment = function["Properties"]["Environment"]["Variables"]
        assert environment["POWERTOOLS_METRICS_NAMESPACE"] == NAMESPACE
        assert environment["POWERTOOLS_SERVICE_NAME"] == "scheduling"


def test_the_stack_says_loudly_when_nobody_receives_the_alarms(transformed: dict[str, Any]) -> None:
    subscribers = transformed["Outputs"]["AlarmSubscribers"]["Value"]["Fn::If"]

    assert subscribers[0] == "HasAlarmEmail"
    assert subscribers[2].startswith("NOBODY")


def dashboard_body(transformed: dict[str, Any]) -> dict[str, Any]:
    [dashboard] = of_type(transformed, "AWS::CloudWatch::Dashboard").values()
    text = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    resources = transformed["Resources"]
    references = set(re.findall(r"\$\{([^}]+)\}", text))
    for reference in references:
        target = reference.split(".")[0]
        assert target in resources or target in transformed["Parameters"] or target.startswith("AWS::"), reference
    body: dict[str, Any] = json.loads(re.sub(r"\$\{([^}]+)\}", "x", text))
    return body


def test_the_dashboard_shows_bookings_conflicts_latency_errors_and_throttles_of_existing_metrics(
    transformed: dict[str, Any],
) -> None:
    widgets = dashboard_body(transformed)["widgets"]
    titles = " ".join(widget["properties"]["title"] for widget in widgets).lower()
    metrics = [(line[0], line[1]) for widget in widgets for line in widget["properties"]["metrics"]]

    for word in ("bookings", "conflicts", "latency", "errors", "throttles"):
        assert word in titles
    assert (NAMESPACE, "AppointmentsBooked") in metrics
    assert (NAMESPACE, "BookingConflicts") in metrics
    assert not [metric for metric in metrics if not exists(transformed, *metric)]
