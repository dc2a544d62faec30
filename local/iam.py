"""The template's IAM, enforced on the embedded moto: each function calls AWS with its own role's credentials.

Every function's execution role is created by the stack (local/stack.py) from the transformed template; its
workers get credentials of that role only, from moto's STS AssumeRole (`credentials`). Each DynamoDB and
EventBridge request signed with such credentials is then checked (`Authorizer.denial`) against the role's
policies as moto's IAM holds them, with moto's policy evaluator, for the actions and resources AWS authorizes:
a Query on an index needs the index's ARN, a TransactWriteItems needs PutItem/UpdateItem/DeleteItem/
ConditionCheckItem on each item's table, a BatchGetItem needs BatchGetItem on every table it reads.

Why not moto's own switch (INITIAL_NO_AUTH_ACTION_COUNT=0): moto checks every DynamoDB call as
`dynamodb:<Operation>` on resource "*", so it refuses every table-scoped grant (all of ours) and asks for
`dynamodb:TransactWriteItems`, an action IAM does not have. Requests signed with any other key (the runner's own
stream pump and event log, the AWS CLI, NoSQL Workbench) are not checked, as an administrator's would pass.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from typing import Any

ACCOUNT = "123456789012"  # moto's default account
REGION = "us-east-1"
_CREDENTIAL = re.compile(r"Credential=([^/]+)/")
_DYNAMODB = "DynamoDB_20120810."
_EVENTS = "AWSEvents."
# TransactWriteItems / TransactGetItems: each item is authorized as the single-item action it performs.
_TRANSACT_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}


def credentials(session: Any, endpoint: str | None, role_arn: str, session_name: str) -> dict[str, str]:
    """Environment variables that make boto3 call as `role_arn` (moto's STS AssumeRole)."""
    answer = session.client("sts", endpoint_url=endpoint).assume_role(RoleArn=role_arn, RoleSessionName=session_name)
    granted = answer["Credentials"]
    return {
        "AWS_ACCESS_KEY_ID": granted["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": granted["SecretAccessKey"],
        "AWS_SESSION_TOKEN": granted["SessionToken"],
    }


class Authorizer:
    """Decides, for a request to the embedded moto, whether the role that signed it may make it."""

    def __init__(self) -> None:
        self._roles: dict[str, tuple[str, str]] = {}  # access key id -> (role name, session name)
        self._policies: dict[str, list[Any]] = {}  # role name -> its policies, read once (roles do not change)

    def grant(self, access_key_id: str, role_arn: str, session_name: str) -> None:
        self._roles[access_key_id] = (role_arn.rsplit("/", 1)[-1], session_name)

    def denial(self, headers: dict[str, str], body: bytes) -> dict[str, str] | None:
        """None if allowed, else the AccessDeniedException document AWS would answer."""
        target = headers.get("X-Amz-Target", "")
        found = _CREDENTIAL.search(headers.get("Authorization", ""))
        if not found or found.group(1) not in self._roles or not target.startswith((_DYNAMODB, _EVENTS)):
            return None
        role, session_name = self._roles[found.group(1)]
        request = json.loads(body or b"{}")
        policies = self._policies.get(role)
        if policies is None:
            policies = self._policies[role] = _role_policies(role)
        for action, resource in _needed(target, request):
            if not _allowed(policies, action, resource):
                caller = f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session_name}"
                return {
                    "__type": "com.amazon.coral.service#AccessDeniedException",
                    "message": f"User: {caller} is not authorized to perform: {action} on resource: {resource} "
                    f"because no identity-based policy allows the {action} action",
                }
        return None


def _needed(target: str, request: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(action, resource) pairs AWS authorizes for this request."""
    if target.startswith(_EVENTS):
        operation = target.removeprefix(_EVENTS)
        for entry in request.get("Entries", [{}]):
            bus = entry.get("EventBusName", "default")
            arn = bus if bus.startswith("arn:") else f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{bus}"
            yield f"events:{operation}", arn
        return
    operation = target.removeprefix(_DYNAMODB)
    if operation in {"TransactWriteItems", "TransactGetItems"}:
        for item in request.get("TransactItems", []):
            for kind, action in item.items():
                yield f"dynamodb:{_TRANSACT_ACTIONS[kind]}", _table_arn(action["TableName"])
    elif operation in {"BatchGetItem", "BatchWriteItem"}:
        for table in request.get("RequestItems", {}):
            yield f"dynamodb:{operation}", _table_arn(table)
    elif "TableName" in request:
        yield f"dynamodb:{operation}", _table_arn(request["TableName"], request.get("IndexName"))
    else:
        yield f"dynamodb:{operation}", "*"


def _table_arn(table: str, index: str | None = None) -> str:
    arn = table if table.startswith("arn:") else f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table}"
    return f"{arn}/index/{index}" if index else arn


def _role_policies(role: str) -> list[Any]:
    """The role's inline and attached policies, read from moto's IAM (what the stack created)."""
    from moto.iam.access_control import IAMPolicy
    from moto.iam.models import iam_backends

    backend = iam_backends[ACCOUNT]["aws"]
    documents = [backend.get_role_policy(role, name)[1] for name in backend.list_role_policies(role)]
    attached, _ = backend.list_attached_role_policies(role)
    # Moto's CloudFormation stores an inline policy as Python's repr of the document, not as JSON.
    return [IAMPolicy(_as_json(document)) for document in documents] + [IAMPolicy(policy) for policy in attached]


def _as_json(document: Any) -> str:
    if isinstance(document, dict):
        return json.dumps(document)
    try:
        json.loads(document)
    except ValueError:
        return json.dumps(ast.literal_eval(document))
    return str(document)


def _allowed(policies: list[Any], action: str, resource: str) -> bool:
    """IAM's rule: an explicit Deny wins, else some Allow is needed."""
    from moto.iam.access_control import PermissionResult

    results = {policy.is_action_permitted(action, resource) for policy in policies}
    return PermissionResult.DENIED not in results and PermissionResult.PERMITTED in results
