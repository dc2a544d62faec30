"""FHIR R4: Practitioner, Location, Schedule, Slot and Appointment reads and searches, and the IHE Scheduling
operations $find, $hold and $book, over the same service as the native API (docs/fhir.md).

API Gateway path parts cannot hold `$`, so operations arrive as `Appointment/{id}` (GET `$find`) and
`Appointment/{operation}` (POST `$find`, `$hold`, `$book`, `_search`)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import parse_qs

from aws_lambda_powertools.event_handler import Depends, Response
from aws_lambda_powertools.metrics import MetricUnit

from scheduling.audit import audit
from scheduling.config import FhirSettings
from scheduling.fhir import interactions, operations
from scheduling.fhir.bundles import SearchPage, searchset, single
from scheduling.fhir.capability import capability_statement
from scheduling.fhir.edge import base_url, create_fhir_resolver, reject_unreadable_fhir_body
from scheduling.fhir.outcomes import fhir_response, invalid, not_found
from scheduling.fhir.resources import Resource
from scheduling.fhir.search import SearchQuery
from scheduling.http import lambda_handler_for, request_actor
from scheduling.models import Actor
from scheduling.observability import logger, metrics
from scheduling.store import SchedulingStore, store_for

if TYPE_CHECKING:
    from scheduling.idempotency import IdempotentRunner

settings = FhirSettings()  # read from the environment, fails at cold start if incomplete
app = create_fhir_resolver()
BASE = "/fhir/R4"


def scheduling_store() -> SchedulingStore:
    return store_for(settings)


Store = Annotated[SchedulingStore, Depends(scheduling_store)]
Caller = Annotated[Actor, Depends(request_actor)]


def _ok(resource: Resource) -> Response[str]:
    return fhir_response(200, resource)


def _query(params: dict[str, list[str]] | None = None) -> SearchQuery:
    event = app.current_event
    return SearchQuery(params or event.multi_value_query_string_parameters, event.headers, base_url(event.raw_event))


def _bundle(path: str, query: SearchQuery, page: SearchPage) -> Response[str]:
    return _ok(searchset(base_url(app.current_event.raw_event), path, query.used, page))


@app.get(f"{BASE}/metadata")
def metadata() -> Response[str]:
    return _ok(capability_statement(base_url(app.current_event.raw_event)))


@app.get(f"{BASE}/Practitioner/<doctor_id>")
def read_practitioner(doctor_id: str, store: Store) -> Response[str]:
    return _ok(interactions.read_practitioner(store, doctor_id))


@app.get(f"{BASE}/Practitioner")
def search_practitioners(store: Store) -> Response[str]:
    query = _query()
    return _bundle("Practitioner", query, interactions.search_practitioners(store, query))


@app.get(f"{BASE}/Location/<location_id>")
def read_location(location_id: str, store: Store) -> Response[str]:
    return _ok(interactions.read_location(store, location_id))


@app.get(f"{BASE}/Location")
def search_locations(store: Store) -> Response[str]:
    query = _query()
    return _bundle("Location", query, interactions.search_locations(store, query))


@app.get(f"{BASE}/Schedule/<doctor_id>")
def read_schedule(doctor_id: str, store: Store) -> Response[str]:
    return _ok(interactions.read_schedule(store, doctor_id))


@app.get(f"{BASE}/Schedule")
def search_schedules(store: Store) -> Response[str]:
    query = _query()
    return _bundle("Schedule", query, interactions.search_schedules(store, query))


@app.get(f"{BASE}/Slot")
def search_slots(store: Store) -> Response[str]:
    query = _query()
    return _bundle("Slot", query, interactions.search_slots(store, query))


def _patients(*resources: Resource) -> list[str | None]:
    """The patient ids an Appointment names (`Patient/<id>` participants), for the access audit."""
    return [
        str(reference).removeprefix("Patient/")
        for resource in resources
        for participant in resource.get("participant") or []
        if str(reference := (participant.get("actor") or {}).get("reference", "")).startswith("Patient/")
    ]


def _searched(store: SchedulingStore, query: SearchQuery, actor: Actor) -> SearchPage:
    page = interactions.search_appointments(store, query)
    audit("fhir.appointment.search", actor, patients=_patients(*page.entries))
    return page


@app.get(f"{BASE}/Appointment")
def search_appointments(store: Store, actor: Caller) -> Response[str]:
    query = _query()
    return _bundle("Appointment", query, _searched(store, query, actor))


@app.get(f"{BASE}/Appointment/<appointment_id>")
def read_appointment(appointment_id: str, store: Store, actor: Caller) -> Response[str]:
    if appointment_id == "$find":
        query = _query()
        return _bundle("Appointment/$find", query, operations.find(store, query))
    resource = interactions.read_appointment(store, appointment_id)
    audit("fhir.appointment.read", actor, appointment_id=appointment_id, patients=_patients(resource))
    return _ok(resource)


@app.post(f"{BASE}/Appointment/<operation>")
def appointment_operation(operation: str, store: Store, actor: Caller) -> Response[str]:
    body = app.current_event.body
    if operation == "_search":
        query = _query(_form(body))
        return _bundle("Appointment", query, _searched(store, query, actor))
    base = base_url(app.current_event.raw_event)
    if operation == "$find":
        request = operations.OperationInput(body, base)
        query = _query(request.as_query(operations.FIND_PARAMETERS))
        return _bundle("Appointment/$find", query, operations.find(store, query))
    if operation == "$hold":
        pending = _once("$hold", store, body, base, actor)
        audit("fhir.appointment.hold", actor, appointment_id=str(pending["id"]), patients=_patients(pending))
        metrics.add_metric(name="SlotsHeld", unit=MetricUnit.Count, value=1)
        logger.info("slot held through FHIR")
        return _ok(single(base, pending))
    if operation == "$book":
        booked = _once("$book", store, body, base, actor)
        audit("fhir.appointment.book", actor, appointment_id=str(booked["id"]), patients=_patients(booked))
        metrics.add_metric(name="FhirBookings", unit=MetricUnit.Count, value=1)
        logger.info("FHIR $book", extra={"status": booked["status"]})
        return _ok(single(base, booked))
    raise not_found(f"Appointment has no operation '{operation}' here; see /fhir/R4/metadata.")


def _run_operation(
    request: dict[str, Any], request_key: str | None, store: SchedulingStore, actor: Actor
) -> dict[str, Any]:
    body, base = request["body"]["parameters"], request["body"]["base"]
    run = operations.hold if request["body"]["operation"] == "$hold" else operations.book_appointment
    resource: dict[str, Any] = run(store, operations.OperationInput(body, base), actor, request_key)
    return resource


def _run_keeping_the_id(
    request: dict[str, Any], request_key: str | None, store: SchedulingStore, actor: Actor
) -> dict[str, Any]:
    """What an idempotency record keeps of the answer: the Appointment's id, never the patient's name."""
    return {"id": _run_operation(request, request_key, store, actor)["id"]}


@cache
def _run_once(operation: str) -> IdempotentRunner:
    """Built on the first keyed operation: the idempotency utility is not needed at cold start otherwise."""
    from scheduling.idempotency import IdempotentRunner

    return IdempotentRunner(settings, _run_keeping_the_id, name=f"fhir-{operation.removeprefix('$')}")


def _once(operation: str, store: SchedulingStore, body: str | None, base: str, actor: Actor) -> Resource:
    """`$hold` or `$book`; with an `Idempotency-Key` header at most once per key and body, as the native routes
    (scheduling/idempotency.py): a retry answers the first result, or finds its own write if that answer was lost."""
    request = {"operation": operation, "parameters": body, "base": base}
    keys = [value for name, value in (app.current_event.headers or {}).items() if name.lower() == "idempotency-key"]
    if not keys:
        return _run_operation({"body": request}, None, store, actor)
    if not 1 <= len(keys[0]) <= 255:
        raise invalid("Idempotency-Key must be 1 to 255 characters.", "Idempotency-Key")
    # Keys are scoped to the facade (`fhir`), not a doctor: the doctor is known only once the body is read.
    done = _run_once(operation)(app.lambda_context, "fhir", keys[0], request, store=store, actor=actor)
    return interactions.read_appointment(store, done["id"])  # the first answer and every retry read it alike


def _form(body: str | None) -> dict[str, list[str]]:
    parsed: dict[str, Any] = parse_qs(body or "", keep_blank_values=True)
    return parsed


lambda_handler = lambda_handler_for(app, check_body=reject_unreadable_fhir_body)
