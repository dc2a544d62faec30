"""Who a local request is, as API Gateway's `AWS_IAM` authorizer would say in `requestContext.identity`.

- An unsigned request is the documented local principal `arn:aws:iam::123456789012:user/local-developer`.
- A request signed with SigV4 (service `execute-api`) is the IAM user of the embedded moto that owns the access
  key: the signature is recomputed with botocore's `SigV4Auth` and that user's secret, and must match. An unknown
  key or a wrong signature is refused (403), as API Gateway refuses it. Not checked: the signing time's skew
  (API Gateway allows 15 minutes), session tokens (temporary credentials are not users in moto's IAM), and whether
  the user's policies allow the route (that is the runner's IAM enforcement, where it exists).
"""

from __future__ import annotations

import hmac
import re
from typing import Any

LOCAL_PRINCIPAL = "arn:aws:iam::123456789012:user/local-developer"  # moto's default account
LOCAL_CALLER = "AIDALOCALDEVELOPER000"
_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request,"
    r"\s*SignedHeaders=(?P<signed>[^,]+),\s*Signature=(?P<signature>[0-9a-f]{64})"
)


class NotAuthenticated(Exception):
    """The request is signed, but not by a known key, or not correctly: API Gateway answers 403."""


def identity_of(method: str, target: str, headers: list[tuple[str, str]], body: bytes) -> dict[str, Any]:
    """The `identity` fields API Gateway sets for the caller (userArn, caller, accessKey, user)."""
    authorization = _header(headers, "authorization")
    if authorization is None:
        return {"userArn": LOCAL_PRINCIPAL, "caller": LOCAL_CALLER, "user": LOCAL_CALLER, "accessKey": None}
    match = _AUTHORIZATION.fullmatch(authorization.strip())
    if match is None or match["service"] != "execute-api":
        raise NotAuthenticated("Authorization header requires a SigV4 signature for the service execute-api.")
    user = _user_of(match["key"])
    if user is None:
        raise NotAuthenticated("The security token included in the request is invalid.")
    secret, user_arn, user_id = user
    if not _signature_matches(match, secret, method, target, headers, body):
        raise NotAuthenticated("The request signature we calculated does not match the signature you provided.")
    return {"userArn": user_arn, "caller": user_id, "user": user_id, "accessKey": match["key"]}


def _user_of(access_key_id: str) -> tuple[str, str, str] | None:
    """(secret, user ARN, user id) of the embedded moto's IAM user owning the key; None if no user has it."""
    from moto.iam.models import iam_backends

    for account in iam_backends.values():
        for backend in account.values():
            for user in backend.users.values():
                for key in user.access_keys:
                    if key.access_key_id == access_key_id and key.status == "Active":
                        return key.secret_access_key, user.arn, user.id
    return None


def _signature_matches(
    match: re.Match[str], secret: str, method: str, target: str, headers: list[tuple[str, str]], body: bytes
) -> bool:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    signed = match["signed"].split(";")
    amz_date = _header(headers, "x-amz-date")
    host = _header(headers, "host")
    if amz_date is None or host is None or not amz_date.startswith(match["date"]):
        return False
    request = AWSRequest(
        method=method,
        url=f"http://{host}{target}",
        data=body,
        headers={name: value for name, value in headers if name.lower() in signed},
    )
    request.context["timestamp"] = amz_date
    auth = SigV4Auth(Credentials(match["key"], secret), "execute-api", match["region"])
    canonical = auth.canonical_request(request)
    expected = auth.signature(auth.string_to_sign(request, canonical), request)
    return hmac.compare_digest(expected, match["signature"])


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    values = [value for key, value in headers if key.lower() == name]
    return values[-1] if values else None
