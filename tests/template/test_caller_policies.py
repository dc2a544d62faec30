"""Who may call what: each caller policy of the transformed template allows exactly its routes, evaluated with
moto's IAM policy evaluator against the ARN API Gateway builds for a request to each route.

IAM wildcards are globs (`*` any run of characters, `/` included; `?` one character). moto's matcher reads the
pattern as a regular expression (`?` and `.` are regex there), so the test gives it IAM's glob.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from moto.iam.access_control import IAMPolicy, IAMPolicyStatement, PermissionResult

from local.template import api_routes, load_template
from scheduling.domain.ids import new_appointment_id, new_doctor_id, new_hold_id
from scheduling.domain.series import new_series_id
from tests.template.transformed import of_type

ROUTES = api_routes(load_template())
REGION, ACCOUNT, API_ID, STAGE = "us-east-1", "123456789012", "a1b2c3d4e5", "prod"
START = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
# What a request carries in each path parameter: ids as the API mints them.
SAMPLE = {
    "doctor_id": new_doctor_id(),
    "appointment_id": new_appointment_id(START),
    "hold_id": new_hold_id(START),
    "patient_id": "MRN-0042",
    "location_id": "north-wing",
    "operation": "$book",
    "series_id": new_series_id(),
    "entry_id": "20300107T090000Z-0123456789abcdef",
}
# The width of the ids whose parameter ends a path that other routes extend (see the template's comment).
FIXED_WIDTH = {
    "doctor_id": len(new_doctor_id()),
    "appointment_id": len(new_appointment_id(START)),
    "series_id": len(new_series_id()),
}

Route = tuple[str, str]  # (method, resource path)
DOCTORS_READ: set[Route] = {("GET", "/doctors"), ("GET", "/doctors/{doctor_id}")}
FREE_SLOTS: set[Route] = {("GET", "/doctors/{doctor_id}/slots"), ("GET", "/slots")}


def routes_where(keep: Any) -> set[Route]:
    return {(route.method, route.path) for route in ROUTES if keep(route)}


# Each kind of caller and what it may do, said once, in words a security review reads.
EXPECTED: dict[str, set[Route]] = {
    "CallerAdminPolicy": FREE_SLOTS | routes_where(lambda route: route.path in {"/doctors", "/doctors/{doctor_id}"}),
    "CallerFrontDeskPolicy": DOCTORS_READ
    | FREE_SLOTS
    | routes_where(
        lambda route: route.path.startswith(
            (
                "/doctors/{doctor_id}/appointments",
                "/doctors/{doctor_id}/holds",
                "/doctors/{doctor_id}/waitlist",
                "/patients/",
            )
        )
    ),
    "CallerReaderPolicy": DOCTORS_READ | FREE_SLOTS,
    "CallerFhirClientPolicy": routes_where(lambda route: route.path.startswith("/fhir/R4/")),
}


def iam_glob(pattern: str, string: str) -> re.Match[str] | None:
    regex = "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return re.match(f"^{regex}$", string)


@pytest.fixture(autouse=True)
def iam_wildcards(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(IAMPolicyStatement, "_match", staticmethod(iam_glob))


def resolve(value: Any) -> Any:
    """The template's intrinsics as CloudFormation resolves them for a sample stack."""
    names = {
        "AWS::Partition": "aws",
        "AWS::Region": REGION,
        "AWS::AccountId": ACCOUNT,
        "SchedulingApi": API_ID,
        "Stage": STAGE,
    }
    if isinstance(value, dict) and set(value) == {"Fn::Sub"}:
        return re.sub(r"\$\{([^}]+)\}", lambda match: names[match.group(1)], value["Fn::Sub"])
    if isinstance(value, dict):
        return {key: resolve(item) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item) for item in value]
    return value


def request_arn(method: str, path: str) -> str:
    concrete = re.sub(r"\{(\w+)\}", lambda match: SAMPLE[match.group(1)], path)
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/{STAGE}/{method}{concrete}"


def resource_pattern(method: str, path: str) -> str:
    """The policy resource of one route: `*` per parameter, a fixed width where the path is extended."""
    extended = any(other.path.startswith(f"{path}/") for other in ROUTES)

    def parameter(match: re.Match[str]) -> str:
        last = match.end() == len(path)
        return "?" * FIXED_WIDTH[match.group(1)] if last and extended else "*"

    resource_path = re.sub(r"\{(\w+)\}", parameter, path)
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/{STAGE}/{method}{resource_path}"


@pytest.fixture(scope="module")
def policies(transformed: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: resolve(resource["Properties"]["PolicyDocument"])
        for name, resource in of_type(transformed, "AWS::IAM::ManagedPolicy").items()
    }


def allows(policy: dict[str, Any], method: str, path: str) -> bool:
    verdict = IAMPolicy(json.dumps(policy)).is_action_permitted("execute-api:Invoke", request_arn(method, path))
    return verdict == PermissionResult.PERMITTED


def test_there_is_one_policy_per_kind_of_caller_and_its_arn_is_an_output(
    policies: dict[str, dict[str, Any]], transformed: dict[str, Any]
) -> None:
    assert set(policies) == set(EXPECTED)
    for name in policies:
        assert transformed["Outputs"][f"{name}Arn"]["Value"] == {"Ref": name}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_policy_allows_exactly_its_routes(policies: dict[str, dict[str, Any]], name: str) -> None:
    allowed = {(route.method, route.path) for route in ROUTES if allows(policies[name], route.method, route.path)}

    assert allowed == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_policy_names_one_resource_per_route_derived_from_the_route(
    policies: dict[str, dict[str, Any]], name: str
) -> None:
    statements = policies[name]["Statement"]
    resources = [resource for statement in statements for resource in statement["Resource"]]

    assert all(statement["Effect"] == "Allow" for statement in statements)
    assert all(statement["Action"] == "execute-api:Invoke" for statement in statements)
    assert sorted(resources) == sorted(resource_pattern(method, path) for method, path in EXPECTED[name])


def test_every_route_is_in_at_least_one_policy(policies: dict[str, dict[str, Any]]) -> None:
    unreachable = [
        route for route in ROUTES if not any(allows(policy, route.method, route.path) for policy in policies.values())
    ]

    assert not unreachable


def test_the_reader_cannot_book_hold_or_read_appointments(policies: dict[str, dict[str, Any]]) -> None:
    reader = policies["CallerReaderPolicy"]

    assert allows(reader, "GET", "/doctors/{doctor_id}/slots")
    assert not allows(reader, "POST", "/doctors/{doctor_id}/appointments")
    assert not allows(reader, "POST", "/doctors/{doctor_id}/holds")
    assert not allows(reader, "GET", "/doctors/{doctor_id}/appointments")
    assert not allows(reader, "GET", "/patients/{patient_id}/appointments")
    assert not allows(reader, "POST", "/fhir/R4/Appointment/{operation}")


def test_the_front_desk_cannot_change_or_delete_a_doctor(policies: dict[str, dict[str, Any]]) -> None:
    front_desk = policies["CallerFrontDeskPolicy"]

    assert allows(front_desk, "POST", "/doctors/{doctor_id}/appointments")
    assert not allows(front_desk, "DELETE", "/doctors/{doctor_id}")
    assert not allows(front_desk, "PUT", "/doctors/{doctor_id}")
    assert not allows(front_desk, "POST", "/doctors")


def test_the_admin_reads_no_patient_data(policies: dict[str, dict[str, Any]]) -> None:
    admin = policies["CallerAdminPolicy"]

    # GET /doctors/* would also match /doctors/{id}/appointments: the admin's pattern is one doctor id wide.
    assert allows(admin, "GET", "/doctors/{doctor_id}")
    assert not allows(admin, "GET", "/doctors/{doctor_id}/appointments")
    assert not allows(admin, "GET", "/doctors/{doctor_id}/appointments/{appointment_id}")
    assert not allows(admin, "DELETE", "/doctors/{doctor_id}/holds/{hold_id}")
    assert not allows(admin, "GET", "/patients/{patient_id}/appointments")


def test_the_api_refuses_principals_of_other_accounts_or_not_named(transformed: dict[str, Any]) -> None:
    [api] = of_type(transformed, "AWS::ApiGateway::RestApi").values()
    policy = api["Properties"].get("Policy") or api["Properties"]["Body"]["x-amazon-apigateway-policy"]
    [statement] = policy["Statement"]
    named = statement["Condition"]["ArnNotLike"]["aws:PrincipalArn"]["Fn::If"]

    # A deny only: what a principal of this account may call is its identity policy's (the caller policies).
    assert statement["Effect"] == "Deny"
    assert statement["Principal"] == "*"
    assert statement["Action"] == "execute-api:Invoke"
    assert statement["Resource"] == "execute-api:/*"
    assert named[0] == "HasAllowedPrincipals"
    assert named[1] == {"Fn::Split": [",", ""]}
    assert named[2] == [{"Fn::Sub": f"arn:aws:iam::{ACCOUNT}:*"}]
    assert transformed["Conditions"]["HasAllowedPrincipals"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "AllowedPrincipals"}, ""]}]
    }


def test_every_caller_route_sample_has_a_value_for_each_path_parameter() -> None:
    parameters = {name for route in ROUTES for name in re.findall(r"\{(\w+)\}", route.path)}

    assert parameters <= set(SAMPLE)
