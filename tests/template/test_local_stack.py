"""The local runner's resources come from the transformed template (local/stack.py), its roles' policies are
enforced as AWS authorizes DynamoDB calls (local/iam.py), and API Gateway's own answers are the template's gateway
responses (local/gateway_responses.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local.gateway import GATEWAY_STATUS, Gateway
from local.gateway_responses import render
from local.iam import Authorizer, credentials
from local.routing import Router
from local.stack import LocalStack, deploy
from local.template import create_table_requests, load_template, resources, table_names
from local.transformed import transformed_template

TRANSFORMED = transformed_template()


@pytest.fixture(scope="module")
def stack() -> Iterator[tuple[LocalStack, Any]]:
    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        yield deploy(session, None, TRANSFORMED), session


def declared(table: str) -> dict[str, Any]:
    properties: dict[str, Any] = TRANSFORMED["Resources"][table]["Properties"]
    return properties


@pytest.mark.parametrize("table", sorted(resources(load_template(), "AWS::DynamoDB::Table")))
def test_each_table_has_the_keys_indexes_stream_and_ttl_the_template_declares(
    stack: tuple[LocalStack, Any], table: str
) -> None:
    deployed, session = stack
    client = session.client("dynamodb")
    described = client.describe_table(TableName=deployed.tables[table])["Table"]
    spec = declared(table)

    assert described["KeySchema"] == spec["KeySchema"]
    assert sorted(map(json.dumps, described["AttributeDefinitions"])) == sorted(
        map(json.dumps, spec["AttributeDefinitions"])
    )
    for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        assert [(i["IndexName"], i["KeySchema"]) for i in described.get(kind, [])] == [
            (i["IndexName"], i["KeySchema"]) for i in spec.get(kind, [])
        ]
    stream = spec.get("StreamSpecification")
    assert described.get("StreamSpecification", {}).get("StreamViewType") == (stream or {}).get("StreamViewType")
    ttl = client.describe_time_to_live(TableName=deployed.tables[table])["TimeToLiveDescription"]
    assert ttl.get("AttributeName") == spec["TimeToLiveSpecification"]["AttributeName"]
    assert ttl["TimeToLiveStatus"] == "ENABLED"


def test_the_in_process_fixtures_tables_agree_with_the_deployed_ones(stack: tuple[LocalStack, Any]) -> None:
    """tests/functional builds its tables with CreateTable (a stack per test would cost a second each): the same
    keys and indexes as the stack's, or this fails."""
    _, session = stack
    client = session.client("dynamodb")
    for request in create_table_requests(load_template(), table_names(load_template())):
        described = client.describe_table(TableName=request["TableName"])["Table"]
        assert described["KeySchema"] == request["KeySchema"]
        assert [i["IndexName"] for i in described.get("GlobalSecondaryIndexes", [])] == [
            i["IndexName"] for i in request.get("GlobalSecondaryIndexes", [])
        ]


def test_every_function_gets_its_own_role_and_nothing_of_the_api_is_deployed(stack: tuple[LocalStack, Any]) -> None:
    deployed, _ = stack
    functions = set(resources(load_template(), "AWS::Serverless::Function"))

    assert functions <= set(deployed.roles)  # and the deploy-time custom resource's function
    assert len(set(deployed.roles.values())) == len(deployed.roles)
    assert functions <= set(deployed.stripped["AWS::Lambda::Function"])
    assert {"AWS::ApiGateway::RestApi", "AWS::ApiGateway::Stage", "AWS::ApiGateway::Deployment"} <= set(
        deployed.stripped
    )


def request_as(key: str, operation: str, body: dict[str, Any]) -> tuple[dict[str, str], bytes]:
    headers = {
        "Authorization": f"AWS4-HMAC-SHA256 Credential={key}/20261206/us-east-1/dynamodb/aws4_request, ...",
        "X-Amz-Target": f"DynamoDB_20120810.{operation}",
    }
    return headers, json.dumps(body).encode()


@pytest.fixture(scope="module")
def authorizer(stack: tuple[LocalStack, Any]) -> tuple[Authorizer, dict[str, str]]:
    deployed, session = stack
    checks = Authorizer()
    keys = {}
    for function, role in deployed.roles.items():
        keys[function] = credentials(session, None, role, function)["AWS_ACCESS_KEY_ID"]
        checks.grant(keys[function], role, function)
    return checks, keys


KEY = {"PK": {"S": "DOCTOR#x"}, "SK": {"S": "PROFILE"}}


@pytest.mark.parametrize(
    ("function", "operation", "body", "allowed"),
    [
        ("FhirFunction", "BatchGetItem", {"RequestItems": {"SchedulingTable": {"Keys": [KEY]}}}, True),
        ("DoctorsFunction", "BatchGetItem", {"RequestItems": {"SchedulingTable": {"Keys": [KEY]}}}, False),
        ("PatientsFunction", "Query", {"TableName": "SchedulingTable"}, True),
        ("PatientsFunction", "Query", {"TableName": "SchedulingTable", "IndexName": "GSI1"}, False),
        ("AvailabilityFunction", "Query", {"TableName": "SchedulingTable", "IndexName": "GSI1"}, True),
        ("AvailabilityFunction", "PutItem", {"TableName": "SchedulingTable", "Item": KEY}, False),
        # FHIR $hold and $book take Idempotency-Key: the idempotency table is FhirFunction's too; never the
        # availability function's, which only reads schedules and bookings
        ("FhirFunction", "GetItem", {"TableName": "IdempotencyTable", "Key": {"id": {"S": "x"}}}, True),
        ("AvailabilityFunction", "GetItem", {"TableName": "IdempotencyTable", "Key": {"id": {"S": "x"}}}, False),
        (
            "HoldsFunction",
            "TransactWriteItems",
            {
                "TransactItems": [
                    {"Put": {"TableName": "SchedulingTable"}},
                    {"ConditionCheck": {"TableName": "SchedulingTable"}},
                ]
            },
            True,
        ),
        (
            "PatientsFunction",
            "TransactWriteItems",
            {"TransactItems": [{"ConditionCheck": {"TableName": "SchedulingTable"}}]},
            False,
        ),
    ],
)
def test_a_call_is_allowed_exactly_when_the_functions_role_grants_it_on_that_resource(
    authorizer: tuple[Authorizer, dict[str, str]], function: str, operation: str, body: dict[str, Any], allowed: bool
) -> None:
    checks, keys = authorizer
    denial = checks.denial(*request_as(keys[function], operation, body))

    assert (denial is None) == allowed
    if denial is not None:
        assert denial["__type"].endswith("#AccessDeniedException")


def test_calls_signed_with_other_keys_are_not_checked(authorizer: tuple[Authorizer, dict[str, str]]) -> None:
    checks, _ = authorizer
    assert checks.denial(*request_as("local", "DeleteTable", {"TableName": "SchedulingTable"})) is None


def test_message_string_is_already_quoted_and_other_variables_are_raw() -> None:
    body = '{"code": "$context.error.responseType", "detail": $context.error.messageString}'
    context = {"error.message": 'Say "hi"', "error.responseType": "THROTTLED"}

    assert json.loads(render(body, context)) == {"code": "THROTTLED", "detail": 'Say "hi"'}


@pytest.mark.parametrize("response_type", sorted(GATEWAY_STATUS))
def test_each_gateway_answer_is_a_problem_document(response_type: str) -> None:
    gateway = Gateway(Router([]), {}, template=load_template())
    answer = gateway.gateway_response(response_type, "Some message")

    assert answer["statusCode"] == GATEWAY_STATUS[response_type]
    assert answer["headers"]["Content-Type"] == "application/problem+json"
    problem = json.loads(answer["body"])
    assert problem["title"]
    assert problem["code"] == response_type
    assert problem["detail"] == "Some message"
    assert problem["status"] == answer["statusCode"]
