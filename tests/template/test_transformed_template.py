"""What CloudFormation receives: the SAM transform of template.yaml, checked for the things that make the stack
deploy and serve (integration credentials, access logs, alarm delivery, table policies, layers).

The transform runs in the SAM CLI's interpreter (tools/sam_transform.py), whose translator pins clash
with ours.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from local.template import api_routes, load_template
from tests.template.transformed import of_type

FORBIDDEN_IN_ACCESS_LOGS = ("$input", "$util", "body", "querystring", "$method.request", "requestOverride")


def methods(template: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    [api] = of_type(template, "AWS::ApiGateway::RestApi").values()
    return [
        (path, method, operation)
        for path, operations in api["Properties"]["Body"]["paths"].items()
        for method, operation in operations.items()
    ]


def test_every_method_requires_iam_auth(transformed: dict[str, Any]) -> None:
    found = methods(transformed)

    assert len(found) == len(api_routes(load_template()))
    for path, method, operation in found:
        assert operation["security"] == [{"AWS_IAM": []}], (path, method)


def test_api_gateway_invokes_the_functions_with_its_own_permission_not_the_callers(
    transformed: dict[str, Any],
) -> None:
    # With caller credentials every caller would also need lambda:InvokeFunction, and every call would fail.
    for path, method, operation in methods(transformed):
        integration = operation["x-amazon-apigateway-integration"]
        assert "credentials" not in integration, (path, method, integration.get("credentials"))
        assert integration["type"] == "aws_proxy"

    permissions = [resource["Properties"] for resource in of_type(transformed, "AWS::Lambda::Permission").values()]
    assert len(permissions) == len(methods(transformed))
    for permission in permissions:
        assert permission["Action"] == "lambda:InvokeFunction"
        assert permission["Principal"] == "apigateway.amazonaws.com"
        assert "SchedulingApi" in json.dumps(permission["SourceArn"])


def test_access_logs_record_who_called_what_and_never_bodies_or_query_strings(transformed: dict[str, Any]) -> None:
    [stage] = of_type(transformed, "AWS::ApiGateway::Stage").values()
    setting = stage["Properties"]["AccessLogSetting"]

    fields = json.loads(setting["Format"])

    assert setting["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    assert fields["requestId"] == "$context.requestId"
    assert fields["caller"] == "$context.identity.userArn"
    assert fields["resourcePath"] == "$context.resourcePath"
    assert fields["httpMethod"] == "$context.httpMethod"
    assert fields["status"] == "$context.status"
    assert fields["responseLatency"] == "$context.responseLatency"
    assert all(value.startswith("$context.") for value in fields.values())
    assert not [word for word in FORBIDDEN_IN_ACCESS_LOGS if word.lower() in setting["Format"].lower()]
    group = transformed["Resources"]["ApiAccessLogGroup"]
    assert group["Type"] == "AWS::Logs::LogGroup"
    assert group["Properties"]["RetentionInDays"] == {"Ref": "AccessLogRetentionDays"}
    assert group["DeletionPolicy"] == "RetainExceptOnCreate"


def test_alarms_publish_to_a_topic_whose_customer_managed_key_cloudwatch_may_use(transformed: dict[str, Any]) -> None:
    resources = transformed["Resources"]
    topic = resources["AlarmTopic"]["Properties"]
    key = resources["AlarmTopicKey"]

    assert topic["KmsMasterKeyId"] == {"Ref": "AlarmTopicKey"}
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"]["EnableKeyRotation"] is True
    cloudwatch = [
        statement
        for statement in key["Properties"]["KeyPolicy"]["Statement"]
        if statement["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert len(cloudwatch) == 1
    assert cloudwatch[0]["Effect"] == "Allow"
    assert set(cloudwatch[0]["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    for alarm in of_type(transformed, "AWS::CloudWatch::Alarm").values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_an_email_subscription_exists_only_when_an_address_is_given(transformed: dict[str, Any]) -> None:
    [subscription] = of_type(transformed, "AWS::SNS::Subscription").values()

    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"] == {
        "TopicArn": {"Ref": "AlarmTopic"},
        "Protocol": "email",
        "Endpoint": {"Ref": "AlarmEmail"},
    }
    assert transformed["Conditions"]["HasAlarmEmail"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]}
    assert transformed["Parameters"]["AlarmEmail"]["Default"] == ""


def test_tables_are_retained_except_when_the_first_create_fails(transformed: dict[str, Any]) -> None:
    tables = of_type(transformed, "AWS::DynamoDB::Table")

    assert set(tables) == {"SchedulingTable", "IdempotencyTable"}
    for table in tables.values():
        assert table["DeletionPolicy"] == "RetainExceptOnCreate"
        assert table["UpdateReplacePolicy"] == "Retain"
        # Protection is switched on after the create (TablesDeletionProtection): a protected table blocks a rollback.
        assert "DeletionProtectionEnabled" not in table["Properties"]
    assert transformed["Parameters"]["TableDeletionProtection"]["Default"] == "true"


def test_functions_run_python313_on_arm64_with_the_one_layer(transformed: dict[str, Any]) -> None:
    [layer] = of_type(transformed, "AWS::Lambda::LayerVersion")

    layerless = []
    for name, function in of_type(transformed, "AWS::Lambda::Function").items():
        assert function["Properties"]["Runtime"] == "python3.13"
        assert function["Properties"]["Architectures"] == ["arm64"]
        if "Layers" not in function["Properties"]:
            layerless.append(name)
            continue
        assert function["Properties"]["Layers"] == [{"Ref": layer}]
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["POWERTOOLS_TRACE_DISABLED"] == {"Ref": "DisableTracerSdk"}
    # Only the deploy-time custom resource's function (boto3 only, no scheduling code) runs without the layer.
    assert layerless == ["DeploySettingsFunction"]
    assert transformed["Parameters"]["DisableTracerSdk"]["Default"] == "true"


def test_the_events_consumer_may_put_events_on_its_bus_only_and_read_only_its_stream(
    transformed: dict[str, Any],
) -> None:
    resources = transformed["Resources"]
    role = resources["EventsFunctionRole"]["Properties"]
    statements = [
        statement for policy in role.get("Policies", []) for statement in policy["PolicyDocument"]["Statement"]
    ]
    granted = {
        action: statement["Resource"]
        for statement in statements
        for action in (statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]])
    }
    managed = json.dumps(role.get("ManagedPolicyArns", []))

    assert granted["events:PutEvents"] == [{"Fn::GetAtt": ["SchedulingEventBus", "Arn"]}]
    assert [action for action in granted if action.startswith("events:")] == ["events:PutEvents"]
    assert granted["dynamodb:GetRecords"] == [{"Fn::GetAtt": ["SchedulingTable", "StreamArn"]}]
    assert not [action for action in granted if action.startswith("dynamodb:") and "Item" in action]
    assert "AWSLambdaDynamoDBExecutionRole" not in managed  # it would read every stream ("*")
    assert resources["SchedulingEventBus"]["Type"] == "AWS::Events::EventBus"
    assert resources["SchedulingTable"]["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}


@pytest.mark.parametrize(
    ("function", "dead_letters"),
    [("EventsFunction", "EventsDeadLetterQueue"), ("ReactionsFunction", "ReactionsDeadLetterQueue")],
)
def test_the_stream_mapping_reports_partial_failures_bisects_and_dead_letters_to_an_encrypted_alarmed_queue(
    transformed: dict[str, Any], function: str, dead_letters: str
) -> None:
    resources = transformed["Resources"]
    [mapping] = [
        found
        for found in of_type(transformed, "AWS::Lambda::EventSourceMapping").values()
        if found["Properties"]["FunctionName"] == {"Ref": function}
    ]
    queue = resources[dead_letters]
    [depth_alarm] = [
        alarm["Properties"]
        for alarm in of_type(transformed, "AWS::CloudWatch::Alarm").values()
        if alarm["Properties"].get("Namespace") == "AWS/SQS"
        and alarm["Properties"]["Dimensions"][0]["Value"] == {"Fn::GetAtt": [dead_letters, "QueueName"]}
    ]

    assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["Properties"]["BisectBatchOnFunctionError"] is True
    assert mapping["Properties"]["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": [dead_letters, "Arn"]
    }
    assert f"{function}Role" in as_list(mapping["DependsOn"])
    assert queue["Properties"]["KmsMasterKeyId"] == {"Ref": "SchedulingDataKey"}
    assert depth_alarm["Threshold"] == 1
    assert depth_alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_reminders_are_one_time_schedules_that_delete_themselves_in_their_own_group(
    transformed: dict[str, Any],
) -> None:
    resources = transformed["Resources"]
    reactions = resources["ReactionsFunction"]["Properties"]["Environment"]["Variables"]
    role = resources["ReactionsFunctionRole"]["Properties"]
    statements = [s for policy in role["Policies"] for s in policy["PolicyDocument"]["Statement"]]
    scheduler = [s for s in statements if "scheduler:CreateSchedule" in as_list(s["Action"])]
    passing = [s for s in statements if "iam:PassRole" in as_list(s["Action"])]
    invoker = resources["RemindersSchedulerRole"]["Properties"]

    assert reactions["REMINDERS_TARGET_ARN"] == {"Fn::GetAtt": ["RemindersFunction", "Arn"]}
    assert resources["ReminderScheduleGroup"]["Type"] == "AWS::Scheduler::ScheduleGroup"
    assert [as_list(s["Action"]) for s in scheduler] == [["scheduler:CreateSchedule", "scheduler:DeleteSchedule"]]
    assert "${ReminderScheduleGroup}/*" in json.dumps(scheduler[0]["Resource"])
    assert passing[0]["Resource"] == [{"Fn::GetAtt": ["RemindersSchedulerRole", "Arn"]}]
    assert passing[0]["Condition"] == {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}}
    assert invoker["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "scheduler.amazonaws.com"}
    invokes = [s for p in invoker["Policies"] for s in p["PolicyDocument"]["Statement"]]
    assert invokes[0]["Resource"] == [{"Fn::GetAtt": ["RemindersFunction", "Arn"]}]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
