"""The runner's DynamoDB is where it says, on the port it is given, with the template's tables: the AWS CLI, NoSQL
Workbench and `sam local` containers reach it there (docs/local-runner.md)."""

from __future__ import annotations

from pathlib import Path

from local.process import free_port
from local.settings import RunnerSettings
from local.template import load_template, resources
from tests.api.conftest import local_client, own_runner


def test_the_embedded_dynamodb_listens_on_127_0_0_1_8000_unless_told_otherwise() -> None:
    assert RunnerSettings().dynamodb_port == 8000


def test_the_runner_prints_its_dynamodb_endpoint_and_the_template_tables_it_deployed(tmp_path: Path) -> None:
    port = free_port()
    with own_runner(tmp_path, environment={"DYNAMODB_PORT": str(port)}) as runner:
        printed = runner.log.read_text()
        endpoint = f"http://127.0.0.1:{port}"
        client = local_client("dynamodb", endpoint)
        tables = client.list_tables()["TableNames"]
        scheduling = client.describe_table(TableName="SchedulingTable")["Table"]
        ttl = client.describe_time_to_live(TableName="SchedulingTable")["TimeToLiveDescription"]

    assert f"at {endpoint})" in printed
    assert "Tables: IdempotencyTable=IdempotencyTable, SchedulingTable=SchedulingTable" in printed
    assert sorted(tables) == ["IdempotencyTable", "SchedulingTable"]
    assert scheduling["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "ttl"}


def test_every_function_starts_a_worker_with_the_runner_unless_told_to_wait_for_requests() -> None:
    assert RunnerSettings().prestart is True  # make run: an import error stops it at start-up


def test_without_prestart_a_function_starts_its_first_worker_with_its_first_request(tmp_path: Path) -> None:
    with own_runner(tmp_path) as runner:  # the tests' own runners set LOCAL_PRESTART=false
        before = runner.api.get("/_local/workers").json()
        listed = runner.api.get("/doctors")
        after = runner.api.get("/_local/workers").json()

    assert listed.status_code == 200, listed.text
    assert set(before) == set(resources(load_template(), "AWS::Serverless::Function"))
    assert all(workers == [] for workers in before.values()), before
    assert len(after["DoctorsFunction"]) == 1
    assert all(workers == [] for function, workers in after.items() if function != "DoctorsFunction"), after
