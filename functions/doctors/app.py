"""Doctors: create, read, replace, patch, delete and list."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Depends, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Query
from pydantic import BeforeValidator

from scheduling import service
from scheduling.config import Settings
from scheduling.http import (
    ETAG_HEADER,
    LOCATION_HEADER,
    WITH_A_BODY,
    create_resolver,
    documented,
    lambda_handler_for,
    request_actor,
)
from scheduling.models import Actor, Doctor, DoctorIn, DoctorsPage
from scheduling.models.doctors import DoctorPatch
from scheduling.store import SchedulingStore, store_for

settings = Settings()  # read from the environment, fails at cold start if incomplete
app = create_resolver()
TAGS = ["Doctors"]


def scheduling_store() -> SchedulingStore:
    return store_for(settings)


Store = Annotated[SchedulingStore, Depends(scheduling_store)]
Caller = Annotated[Actor, Depends(request_actor)]


def etag(doctor: Doctor) -> str:
    return f'"{doctor.version}"'


def accepted_versions(if_match: str | None) -> service.Versions:
    """The versions an `If-Match` header names (RFC 9110: `*` or a list of entity tags, compared strongly, so a
    weak tag `W/"3"` never matches); None without the header. A tag that is not one of our ETags (not a quoted
    decimal of at most 18 digits) names no version, so it never matches: 412. A list holding `*` matches any
    version, as `*` alone does."""
    if if_match is None:
        return None
    versions = set()
    for tag in if_match.split(","):
        text = tag.strip()
        if text == "*":
            return None
        if 2 < len(text) <= 20 and text[0] == text[-1] == '"' and text[1:-1].isascii() and text[1:-1].isdigit():
            versions.add(int(text[1:-1]))
    return frozenset(versions)


def _doctor_response(doctor: Doctor, status_code: int = 200) -> Response[Doctor]:
    headers = {"ETag": etag(doctor)}
    if status_code == 201:
        headers["Location"] = f"/doctors/{doctor.id}"
    return Response(status_code=status_code, content_type="application/json", body=doctor, headers=headers)


IfMatch = Annotated[str | None, Header(alias="if-match", description="An ETag from a previous response.")]


@app.post(
    "/doctors",
    summary="Create a doctor",
    tags=TAGS,
    responses=documented(
        201, "The created doctor", *WITH_A_BODY, headers={"Location": LOCATION_HEADER, "ETag": ETAG_HEADER}
    ),
)
def create_doctor(draft: Annotated[DoctorIn, Body()], store: Store, actor: Caller) -> Response[Doctor]:
    return _doctor_response(service.create_doctor(store, draft, actor=actor), 201)


@app.get("/doctors", summary="List doctors by name", tags=TAGS, responses=documented(200, "A page of doctors"))
def list_doctors(
    store: Store,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    next_token: Annotated[str | None, Query(min_length=1, max_length=2048)] = None,
) -> DoctorsPage:
    page = service.list_doctors(store, limit, next_token)
    return DoctorsPage(items=page.items, next_token=page.next_token)


@app.get(
    "/doctors/<doctor_id>",
    summary="Read a doctor",
    tags=TAGS,
    responses=documented(200, "The doctor", 404, headers={"ETag": ETAG_HEADER}),
)
def get_doctor(doctor_id: str, store: Store) -> Response[Doctor]:
    return _doctor_response(service.get_doctor(store, doctor_id))


@app.put(
    "/doctors/<doctor_id>",
    summary="Replace a doctor",
    tags=TAGS,
    responses=documented(200, "The doctor as stored", *WITH_A_BODY, 404, 412, headers={"ETag": ETAG_HEADER}),
)
def replace_doctor(
    doctor_id: str, draft: Annotated[DoctorIn, Body()], store: Store, actor: Caller, if_match: IfMatch = None
) -> Response[Doctor]:
    return _doctor_response(service.replace_doctor(store, doctor_id, draft, accepted_versions(if_match), actor=actor))


# Read as any JSON object and merged into the doctor, which is then validated whole (service.patch_doctor);
# `DoctorPatch` only tells the document what that refuses (unknown fields among it).
MergePatch = BeforeValidator(lambda body: body, json_schema_input_type=DoctorPatch)


@app.patch(
    "/doctors/<doctor_id>",
    summary="Change some fields of a doctor (JSON merge patch, RFC 7396)",
    tags=TAGS,
    responses=documented(200, "The doctor as stored", *WITH_A_BODY, 404, 412, headers={"ETag": ETAG_HEADER}),
)
def patch_doctor(
    doctor_id: str,
    patch: Annotated[dict[str, Any], MergePatch, Body()],
    store: Store,
    actor: Caller,
    if_match: IfMatch = None,
) -> Response[Doctor]:
    return _doctor_response(service.patch_doctor(store, doctor_id, patch, accepted_versions(if_match), actor=actor))


@app.delete(
    "/doctors/<doctor_id>",
    summary="Delete a doctor who has no future bookings",
    tags=TAGS,
    responses=documented(204, "Deleted", 404, 409, 412),
)
def delete_doctor(doctor_id: str, store: Store, if_match: IfMatch = None) -> Response[None]:
    service.delete_doctor(store, doctor_id, accepted_versions(if_match))
    return Response(status_code=204)


lambda_handler = lambda_handler_for(app)
