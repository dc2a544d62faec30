"""CloudFormation custom resources that let the first deploy into a fresh account work, and every later one.

- `Custom::ApiGatewayLogging`: access logging on a stage fails unless the region's API Gateway account settings
  name a role that may write to CloudWatch Logs. A role already set there that still exists is kept (other APIs
  of the account log through it); otherwise the stack's role is set, retrying while IAM propagates the new role
  (API Gateway refuses a role it cannot assume yet). Deleting the resource leaves the account setting alone.
- `Custom::TableDeletionProtection`: turns DynamoDB deletion protection on (or off) once the tables exist, so a
  table is never protected while the stack's first create can still roll back; if that rollback happens, it
  turns protection off again first, so the rollback can delete the tables (CloudFormation cannot delete a
  protected table and the stack would end ROLLBACK_FAILED with the tables orphaned).

Runs on the Lambda runtime's boto3 only (no layer); it answers CloudFormation at the pre-signed ResponseURL,
always, or the stack would wait an hour for it.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.request
from collections.abc import Callable
from functools import partial
from typing import Any

import boto3
from botocore.exceptions import ClientError

logger = logging.getLogger()
logger.setLevel(logging.INFO)

ROLLING_BACK_THE_FIRST_CREATE = "ROLLBACK_IN_PROGRESS"  # a failed update rolls back as UPDATE_ROLLBACK_*
MARGIN_SECONDS = 30  # stop retrying this long before the function would time out, to answer CloudFormation
FIRST_WAIT_SECONDS = 2.0
LONGEST_WAIT_SECONDS = 20.0


def lambda_handler(event: dict[str, Any], context: Any) -> None:
    status, reason, data = "SUCCESS", "", {}
    try:
        deadline = time.monotonic() + context.get_remaining_time_in_millis() / 1000 - MARGIN_SECONDS
        data = HANDLERS[event["ResourceType"]](event, deadline)
    except Exception as error:  # CloudFormation must hear of every failure, or it waits for an hour
        logger.exception("custom resource %s failed", event.get("LogicalResourceId"))
        status, reason = "FAILED", f"{type(error).__name__}: {error}"[:1000]
    answer(event, status, reason, data)


def answer(event: dict[str, Any], status: str, reason: str, data: dict[str, str]) -> None:
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason or f"See the log stream of {event['LogicalResourceId']}.",
            "PhysicalResourceId": event.get("PhysicalResourceId") or f"{event['LogicalResourceId']}-settings",
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "Data": data,
        }
    ).encode()
    request = urllib.request.Request(  # noqa: S310  # CloudFormation's pre-signed https URL
        event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": ""}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        response.read()


def api_gateway_logging(event: dict[str, Any], deadline: float, clients: Any = None) -> dict[str, str]:
    """Makes the account's API Gateway CloudWatch role one that exists: the present one, or the stack's."""
    if event["RequestType"] == "Delete":
        return {}
    clients = clients or boto3
    apigateway, iam = clients.client("apigateway"), clients.client("iam")
    present = apigateway.get_account().get("cloudwatchRoleArn", "")
    if present and role_exists(iam, present):
        logger.info("API Gateway's CloudWatch role is set and exists: kept")
        return {"CloudWatchRoleArn": present}
    wanted = event["ResourceProperties"]["CloudWatchRoleArn"]
    retried(
        lambda: apigateway.update_account(
            patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": wanted}]
        ),
        propagating=lambda error: error.response["Error"]["Code"] == "BadRequestException",
        deadline=deadline,
    )
    logger.info("API Gateway's CloudWatch role set to the stack's")
    return {"CloudWatchRoleArn": wanted}


def role_exists(iam: Any, role_arn: str) -> bool:
    try:
        iam.get_role(RoleName=role_arn.rsplit("/", 1)[-1])
    except ClientError as error:
        if error.response["Error"]["Code"] == "NoSuchEntity":
            return False
        raise
    return True


def retried(
    call: Callable[[], Any],
    propagating: Callable[[ClientError], bool],
    deadline: float,
    sleep: Callable[[float], None] | None = None,
) -> Any:
    """`call()`, again after growing waits while it fails with an error `propagating` accepts, until `deadline`."""
    sleep = sleep or time.sleep
    wait = FIRST_WAIT_SECONDS
    while True:
        try:
            return call()
        except ClientError as error:
            if not propagating(error) or time.monotonic() + wait > deadline:
                raise
            logger.info("not accepted yet (%s): retrying in %.0f s", error.response["Error"]["Code"], wait)
            sleep(wait)
            wait = min(wait * 2, LONGEST_WAIT_SECONDS)


def table_deletion_protection(event: dict[str, Any], deadline: float, clients: Any = None) -> dict[str, str]:
    """Sets the tables' deletion protection as asked; off when the stack's first create is rolling back."""
    clients = clients or boto3
    properties = event["ResourceProperties"]
    dynamodb = clients.client("dynamodb")
    if event["RequestType"] == "Delete":
        [stack] = clients.client("cloudformation").describe_stacks(StackName=event["StackId"])["Stacks"]
        if stack["StackStatus"] != ROLLING_BACK_THE_FIRST_CREATE:
            return {}  # the stack is deleted (the tables are retained, protected) or an update is undone
        enabled = False
    else:
        enabled = properties["Enabled"] == "true"
    for table in properties["TableNames"]:
        described = dynamodb.describe_table(TableName=table)["Table"]
        if described.get("DeletionProtectionEnabled", False) != enabled:
            retried(
                partial(dynamodb.update_table, TableName=table, DeletionProtectionEnabled=enabled),
                propagating=lambda error: error.response["Error"]["Code"] == "ResourceInUseException",
                deadline=deadline,
            )
    return {"DeletionProtectionEnabled": str(enabled).lower()}


HANDLERS: dict[str, Callable[[dict[str, Any], float], dict[str, str]]] = {
    "Custom::ApiGatewayLogging": api_gateway_logging,
    "Custom::TableDeletionProtection": table_deletion_protection,
}
