"""API Gateway's own answers: each gateway response of the transformed template, rendered the way API Gateway
renders it (local/gateway_responses.py), is a JSON RFC 9457 problem labelled application/problem+json."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

import pytest

from local.gateway import GATEWAY_STATUS
from local.gateway_responses import render
from tests.template.transformed import of_type, transformed_template

# A message with what JSON must escape: a broken template shows here.
AWKWARD_MESSAGE = 'Missing "Authentication" Token \\ or\nworse'
CONTEXT = {
    "error.message": AWKWARD_MESSAGE,
    "error.responseType": "MISSING_AUTHENTICATION_TOKEN",
    "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
}
# The types the runner answers itself (issue 19: unknown route, bad signature, body too large, throttled,
# integration timeout), each with the status API Gateway gives it: the template must declare every one with
# that status, or the answer falls back to DEFAULT_4XX/5XX, which claims no status.
EXPECTED_STATUS = {
    "MISSING_AUTHENTICATION_TOKEN": 403,
    "INVALID_SIGNATURE": 403,
    "REQUEST_TOO_LARGE": 413,
    "THROTTLED": 429,
    "INTEGRATION_TIMEOUT": 504,
}


def test_the_runner_answers_exactly_the_types_listed_here() -> None:
    assert GATEWAY_STATUS == EXPECTED_STATUS


def gateway_responses() -> dict[str, dict[str, Any]]:
    [api] = of_type(transformed_template(), "AWS::ApiGateway::RestApi").values()
    responses: dict[str, dict[str, Any]] = api["Properties"]["Body"]["x-amazon-apigateway-gateway-responses"]
    return responses


def test_message_string_is_substituted_as_a_quoted_json_string_and_other_variables_as_raw_text() -> None:
    rendered = render(
        '{"detail": $context.error.messageString, "raw": "$context.error.message", "id": "$context.requestId"}',
        {"error.message": "Forbidden", "requestId": "abc"},
    )

    assert rendered == '{"detail": "Forbidden", "raw": "Forbidden", "id": "abc"}'


def test_the_old_template_quoting_the_message_string_renders_a_body_that_is_not_json() -> None:
    rendered = render('{"detail": "$context.error.messageString"}', {"error.message": "Forbidden"})

    assert rendered == '{"detail": ""Forbidden""}'
    with pytest.raises(json.JSONDecodeError):
        json.loads(rendered)


def test_a_variable_the_context_lacks_renders_as_nothing() -> None:
    assert render('{"a": "$context.error.validationErrorString-$context.nothing"}', {}) == '{"a": """-"}'


def test_every_gateway_response_renders_as_a_json_problem() -> None:
    responses = gateway_responses()

    assert {"DEFAULT_4XX", "DEFAULT_5XX", *EXPECTED_STATUS} <= set(responses)
    for kind, response in responses.items():
        assert set(response["responseTemplates"]) == {"application/json"}, kind
        body = json.loads(render(response["responseTemplates"]["application/json"], CONTEXT))

        assert response["responseParameters"]["gatewayresponse.header.Content-Type"] == "'application/problem+json'"
        assert isinstance(body["type"], str), kind
        assert body["type"], kind
        assert isinstance(body["title"], str), kind
        assert body["title"], kind
        assert body["detail"] == AWKWARD_MESSAGE, kind
        assert body["requestId"] == CONTEXT["requestId"], kind
        if (
            "statusCode" in response
        ):  # RFC 9457: "status" is the status actually answered, and about:blank's title its phrase
            assert body["status"] == int(response["statusCode"]), kind
            assert body["type"] != "about:blank" or body["title"] == HTTPStatus(body["status"]).phrase, kind
        else:  # no variable carries the status: a response answered with several must not claim one
            assert "status" not in body, kind
            assert body["type"] != "about:blank", "about:blank's title must be the status phrase, unknown here"
    for kind, status in EXPECTED_STATUS.items():
        assert responses[kind]["statusCode"] == str(status), kind
