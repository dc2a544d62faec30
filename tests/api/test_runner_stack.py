"""The runner's DynamoDB is where it says, on the port it is given, with the template's tables: the AWS CLI, NoSQL
Workbench and `sam local` containers reach it there (docs/local-runner.md)."""

from __future__ import annotations

from pathlib import Path

from local.process import free_port
from local.settings import RunnerSettings
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
