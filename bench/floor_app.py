"""The floor: a bare powertools REST resolver with validation and one boto3 DynamoDB client, nothing of ours."""

from __future__ import annotations

import boto3
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

app = APIGatewayRestResolver(enable_validation=True)


@app.get("/ping")
def ping() -> dict[str, str]:
    return {"pong": "yes"}


client = boto3.client("dynamodb")
