"""The access audit's deployment (issue #20, item 3), on the transformed template: its own log group kept as long
as the access logs, and exactly the functions that serve patient data may write to it and derive its hash key."""

from __future__ import annotations

from typing import Any

from tests.template.transformed import of_type

PATIENT_DATA_FUNCTIONS = {"AppointmentsFunction", "HoldsFunction", "PatientsFunction", "FhirFunction"}


def test_the_audit_has_its_own_log_group_with_the_access_log_retention(transformed: dict[str, Any]) -> None:
    resources = transformed["Resources"]
    group = resources["AuditLogGroup"]

    assert group["Type"] == "AWS::Logs::LogGroup"
    assert group["Properties"]["RetentionInDays"] == resources["ApiAccessLogGroup"]["Properties"]["RetentionInDays"]
    assert group["Properties"]["RetentionInDays"] == {"Ref": "AccessLogRetentionDays"}
    assert group["DeletionPolicy"] == "RetainExceptOnCreate"
    key = resources["AuditHashKey"]["Properties"]
    assert (key["KeySpec"], key["KeyUsage"]) == ("HMAC_256", "GENERATE_VERIFY_MAC")


def test_only_the_functions_serving_patient_data_may_write_audit_lines(transformed: dict[str, Any]) -> None:
    resources = transformed["Resources"]
    audit_statements = [
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": {"Fn::GetAtt": ["AuditLogGroup", "Arn"]},
        },
        {"Effect": "Allow", "Action": ["kms:GenerateMac"], "Resource": {"Fn::GetAtt": ["AuditHashKey", "Arn"]}},
    ]
    writers = {
        name.removesuffix("Role")
        for name, role in of_type(transformed, "AWS::IAM::Role").items()
        for policy in role["Properties"].get("Policies", [])
        if policy["PolicyDocument"]["Statement"] == audit_statements
    }
    assert writers == PATIENT_DATA_FUNCTIONS
    for name in PATIENT_DATA_FUNCTIONS:
        variables = resources[name]["Properties"]["Environment"]["Variables"]
        assert variables["AUDIT_LOG_GROUP"] == {"Ref": "AuditLogGroup"}
        assert variables["AUDIT_HASH_KEY_ID"] == {"Ref": "AuditHashKey"}
