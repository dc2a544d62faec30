"""Shared by the built-artifact tests: one `sam build` with the layer for this machine, the runtime's SDK, and
moto's server (DynamoDB and EventBridge); and the transformed template."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from moto.server import ThreadedMotoServer

from local.process import free_port
from local.template import create_tables, event_bus_names, load_template, table_names
from tests.template.artifacts import TWIN, shared_build
from tests.template.transformed import transformed_template


@pytest.fixture(scope="module")
def transformed() -> dict[str, Any]:
    """What CloudFormation receives for the template's defaults (a fresh copy per module: tests may change it)."""
    return transformed_template()


@pytest.fixture(scope="session")
def artifact() -> Path:
    """`<root>/build`: sam build's output for this machine; `<root>/runtime`: boto3 as the runtime ships it (one
    build per set of inputs, shared by the workers and runs: tests/template/artifacts.py)."""
    return shared_build(TWIN)


@pytest.fixture(scope="module")
def dynamodb() -> Iterator[str]:
    """Moto's DynamoDB server on a free local port, with the template's tables and nothing in them: its endpoint.

    Moto keeps its data in this process whatever the server's port, so each module starts from a reset: the
    sample flows book the same patient at the same times, which one module's leftovers would refuse.
    """
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    requests.post(f"{endpoint}/moto-api/reset", timeout=10).raise_for_status()
    session = boto3.Session(
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",  # moto's, not a secret
    )
    create_tables(session.client("dynamodb", endpoint_url=endpoint), load_template(), table_names(load_template()))
    for bus in event_bus_names(load_template()).values():  # the events function publishes there
        session.client("events", endpoint_url=endpoint).create_event_bus(Name=bus)
    yield endpoint
    requests.post(f"{endpoint}/moto-api/reset", timeout=10).raise_for_status()
    server.stop()
