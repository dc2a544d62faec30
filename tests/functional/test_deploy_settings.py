"""The deploy's custom resources (functions/deploy_settings): the account's API Gateway logging role and the
tables' deletion protection, against moto, with CloudFormation's answer URL served locally."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from functions.deploy_settings import app

STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/hospital-scheduling/1"
LOGS_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
FAR = 10**9  # a deadline no test reaches


class Context:
    def __init__(self, remaining_ms: int = 300_000) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


class Answers(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_PUT(self) -> None:
        Answers.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def response_url() -> Iterator[str]:
    Answers.received = []
    server = HTTPServer(("127.0.0.1", 0), Answers)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/answer"
    server.shutdown()
    server.server_close()


def stack_role(name: str = "hospital-scheduling-ApiGatewayLogsRole-ABC") -> str:
    iam = boto3.client("iam")
    arn: str = iam.create_role(
        RoleName=name,
        AssumeRolePolicyDocument=json.dumps(
            {"Statement": [{"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}}]}
        ),
    )["Role"]["Arn"]
    return arn


def logging_event(request_type: str, role_arn: str, response_url: str = "http://unused") -> dict[str, Any]:
    return {
        "RequestType": request_type,
        "ResourceType": "Custom::ApiGatewayLogging",
        "ResourceProperties": {"CloudWatchRoleArn": role_arn},
        "StackId": STACK_ID,
        "RequestId": "request-1",
        "LogicalResourceId": "ApiGatewayLogging",
        "ResponseURL": response_url,
    }


def protection_event(request_type: str, enabled: str = "true", response_url: str = "http://unused") -> dict[str, Any]:
    return {
        "RequestType": request_type,
        "ResourceType": "Custom::TableDeletionProtection",
        "ResourceProperties": {"TableNames": ["SchedulingTable", "IdempotencyTable"], "Enabled": enabled},
        "StackId": STACK_ID,
        "RequestId": "request-2",
        "LogicalResourceId": "TableDeletionProtection",
        "ResponseURL": response_url,
    }


def account_role() -> str:
    return str(boto3.client("apigateway").get_account().get("cloudwatchRoleArn", ""))


def test_a_fresh_account_gets_the_stacks_role_and_cloudformation_hears_success(aws: None, response_url: str) -> None:
    role = stack_role()

    app.lambda_handler(logging_event("Create", role, response_url), Context())

    assert account_role() == role
    [answer] = Answers.received
    assert answer["Status"] == "SUCCESS"
    assert answer["Data"] == {"CloudWatchRoleArn": role}
    assert (answer["StackId"], answer["RequestId"], answer["LogicalResourceId"]) == (
        STACK_ID,
        "request-1",
        "ApiGatewayLogging",
    )


def test_an_account_whose_role_exists_keeps_it(aws: None) -> None:
    theirs = stack_role("their-api-gateway-logs-role")
    boto3.client("apigateway").update_account(
        patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": theirs}]
    )

    app.api_gateway_logging(logging_event("Create", stack_role()), FAR)

    assert account_role() == theirs


def test_an_account_whose_role_was_deleted_gets_the_stacks(aws: None) -> None:
    gone = stack_role("deleted-role")
    boto3.client("apigateway").update_account(
        patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": gone}]
    )
    boto3.client("iam").delete_role(RoleName="deleted-role")
    role = stack_role()

    app.api_gateway_logging(logging_event("Update", role), FAR)

    assert account_role() == role


class NotPropagatedYet:
    """boto3 whose API Gateway refuses the role `refusals` times, as it does until IAM has propagated it."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals

    def client(self, name: str) -> Any:
        real = boto3.client(name)  # type: ignore[call-overload]  # any service's
        if name != "apigateway":
            return real
        outer = self

        class ApiGateway:
            def get_account(self) -> Any:
                return real.get_account()

            def update_account(self, **arguments: Any) -> Any:
                if outer.refusals:
                    outer.refusals -= 1
                    raise ClientError(
                        {
                            "Error": {
                                "Code": "BadRequestException",
                                "Message": "The role ARN does not have required permissions set to API Gateway",
                            }
                        },
                        "UpdateAccount",
                    )
                return real.update_account(**arguments)

        return ApiGateway()


def test_the_role_is_set_once_iam_has_propagated_it(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    monkeypatch.setattr("time.sleep", waits.append)
    role = stack_role()

    app.api_gateway_logging(logging_event("Create", role), time.monotonic() + 300, NotPropagatedYet(refusals=3))

    assert account_role() == role
    assert waits == [2.0, 4.0, 8.0]


def test_a_role_still_refused_at_the_deadline_fails_the_resource_and_cloudformation_hears_it(
    aws: None, response_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("time.sleep", lambda _: None)
    monkeypatch.setattr(app, "boto3", NotPropagatedYet(refusals=1000))
    role = stack_role()

    app.lambda_handler(logging_event("Create", role, response_url), Context(remaining_ms=40_000))

    [answer] = Answers.received
    assert answer["Status"] == "FAILED"
    assert "BadRequestException" in answer["Reason"]
    assert account_role() == ""


def test_deleting_the_logging_resource_leaves_the_account_setting(aws: None) -> None:
    role = stack_role()
    app.api_gateway_logging(logging_event("Create", role), FAR)

    app.api_gateway_logging(logging_event("Delete", role), FAR)

    assert account_role() == role


class StackIn:
    """boto3 whose CloudFormation describes the stack in `status` (moto's stacks are never rolling back)."""

    def __init__(self, status: str) -> None:
        self.status = status

    def client(self, name: str) -> Any:
        if name != "cloudformation":
            return boto3.client(name)  # type: ignore[call-overload]  # any service's
        status = self.status

        class CloudFormation:
            def describe_stacks(self, StackName: str) -> dict[str, Any]:  # noqa: N803  # boto3's name
                return {"Stacks": [{"StackId": StackName, "StackStatus": status}]}

        return CloudFormation()


def protected(table: str) -> bool:
    return bool(boto3.client("dynamodb").describe_table(TableName=table)["Table"].get("DeletionProtectionEnabled"))


def test_the_tables_are_protected_once_created_and_a_protected_table_cannot_be_deleted(aws: None) -> None:
    app.table_deletion_protection(protection_event("Create"), FAR)

    assert protected("SchedulingTable")
    assert protected("IdempotencyTable")
    with pytest.raises(ClientError, match="DeletionProtectionEnabled"):
        boto3.client("dynamodb").delete_table(TableName="SchedulingTable")


def test_a_failed_first_create_unprotects_the_tables_so_the_rollback_deletes_them(aws: None) -> None:
    app.table_deletion_protection(protection_event("Create"), FAR)

    app.table_deletion_protection(protection_event("Delete"), FAR, StackIn("ROLLBACK_IN_PROGRESS"))

    assert not protected("SchedulingTable")
    assert not protected("IdempotencyTable")
    for table in ("SchedulingTable", "IdempotencyTable"):
        boto3.client("dynamodb").delete_table(TableName=table)
    assert boto3.client("dynamodb").list_tables()["TableNames"] == []


@pytest.mark.parametrize("status", ["DELETE_IN_PROGRESS", "UPDATE_ROLLBACK_IN_PROGRESS", "UPDATE_IN_PROGRESS"])
def test_the_tables_stay_protected_when_the_stack_is_deleted_or_an_update_undone(aws: None, status: str) -> None:
    app.table_deletion_protection(protection_event("Create"), FAR)

    app.table_deletion_protection(protection_event("Delete"), FAR, StackIn(status))

    assert protected("SchedulingTable")
    assert protected("IdempotencyTable")


def test_protection_follows_the_parameter_on_update(aws: None) -> None:
    app.table_deletion_protection(protection_event("Create"), FAR)

    app.table_deletion_protection(protection_event("Update", enabled="false"), FAR)

    assert not protected("SchedulingTable")
