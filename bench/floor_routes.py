"""The warm-cost floor: powertools routes with the same shape and validation as ours, doing nothing else.

No `from __future__ import annotations` here: powertools resolves these nested routes' annotations at once.
"""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from scheduling.models import (
    Appointment,
    AppointmentsPage,
    BookingRequest,
    CancelRequest,
    Doctor,
    DoctorIn,
    DoctorsPage,
    RescheduleRequest,
    SlotsPage,
)

KEY = {"PK": {"S": "DOCTOR#bench"}, "SK": {"S": "PROFILE"}}
ITEM = {**KEY, "name": {"S": "Bench"}}
TABLE = "SchedulingTable"


def _round_trips(client: Any, operations: str, items: dict[str, Any]) -> None:
    """The same DynamoDB calls our route makes, writing items of the same size, without using the answers."""
    for operation in operations.split():
        kind, _, item_name = operation.partition(":")
        item = items.get(item_name, ITEM)
        if kind == "get":
            client.get_item(TableName=TABLE, Key=KEY, ConsistentRead=True)
        elif kind == "query":
            client.query(
                TableName=TABLE, KeyConditionExpression="PK = :pk", ExpressionAttributeValues={":pk": KEY["PK"]}
            )
        elif kind == "put":
            client.put_item(TableName=TABLE, Item=item, ConditionExpression="attribute_not_exists(PK)")
        elif kind.startswith("transact"):
            actions = [{"Put": {"TableName": TABLE, "Item": item}}] * int(kind[-1])
            client.transact_write_items(TransactItems=actions)


def floor_app(answers: dict[str, Any], client: Any = None, items: dict[str, Any] | None = None) -> Any:
    """Routes of the same shape and validation as ours, each returning a prepared answer.

    With a client, each route also makes the same DynamoDB round trips as ours (the framework-plus-I/O floor).
    """
    app = APIGatewayRestResolver(enable_validation=True)

    def io(operations: str) -> None:
        if client is not None:
            _round_trips(client, operations, items or {})

    @app.post("/doctors")
    def create(draft: Annotated[DoctorIn, Body()]) -> Response[Doctor]:
        io("transact2:doctor")  # profile and booking fence
        return Response(201, "application/json", answers["doctor"])

    @app.get("/doctors")
    def list_doctors(limit: Annotated[int, Query(ge=1, le=100)] = 50, next_token: str | None = None) -> DoctorsPage:
        io("query")
        return answers["doctors"]  # type: ignore[no-any-return]

    @app.get("/doctors/<doctor_id>")
    def read(doctor_id: str) -> Response[Doctor]:
        io("get")
        return Response(200, "application/json", answers["doctor"])

    @app.put("/doctors/<doctor_id>")
    def replace(doctor_id: str, draft: Annotated[DoctorIn, Body()]) -> Response[Doctor]:
        io("get transact2:doctor")  # the sample replace changes the hours: profile and fence
        return Response(200, "application/json", answers["doctor"])

    @app.get("/doctors/<doctor_id>/slots")
    def slots(
        doctor_id: str,
        from_: Annotated[str | None, Query(alias="from", max_length=40)] = None,
        to: Annotated[str | None, Query(max_length=40)] = None,
    ) -> SlotsPage:
        io("get query")
        return answers["slots"]  # type: ignore[no-any-return]

    @app.post("/doctors/<doctor_id>/appointments")
    def book(doctor_id: str, booking: Annotated[BookingRequest, Body()]) -> Response[Appointment]:
        io("get get query query transact4:appointment")  # doctor, patient lock, patient's and doctor's overlaps
        return Response(201, "application/json", answers["appointment"])

    @app.get("/doctors/<doctor_id>/appointments")
    def list_appointments(
        doctor_id: str,
        from_: Annotated[str | None, Query(alias="from", max_length=40)] = None,
        to: Annotated[str | None, Query(max_length=40)] = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 50,
    ) -> AppointmentsPage:
        io("get query")
        return answers["appointments"]  # type: ignore[no-any-return]

    @app.get("/doctors/<doctor_id>/appointments/<appointment_id>")
    def read_appointment(doctor_id: str, appointment_id: str) -> Appointment:
        io("query")
        return answers["appointment"]  # type: ignore[no-any-return]

    @app.post("/doctors/<doctor_id>/appointments/<appointment_id>/cancel")
    def cancel(
        doctor_id: str, appointment_id: str, request: Annotated[CancelRequest | None, Body()] = None
    ) -> Appointment:
        io("query get transact3:appointment")  # appointment, doctor (cut-off), move + patient copy
        return answers["cancelled"]  # type: ignore[no-any-return]

    @app.post("/doctors/<doctor_id>/appointments/<appointment_id>/reschedule")
    def reschedule(
        doctor_id: str, appointment_id: str, request: Annotated[RescheduleRequest, Body()]
    ) -> Response[Appointment]:
        io("query get get query query transact6:appointment")
        return Response(201, "application/json", answers["appointment"])

    return app


def prepared_text_app(body: str, client: Any) -> Any:
    """The floor for a large slot answer: the slots route's shape and validation, the same two DynamoDB round
    trips (doctor, bookings), and the answer's JSON text prepared in advance: what any implementation pays."""
    app = APIGatewayRestResolver(enable_validation=True)

    @app.get("/doctors/<doctor_id>/slots")
    def slots(
        doctor_id: str,
        from_: Annotated[str | None, Query(alias="from", max_length=40)] = None,
        to: Annotated[str | None, Query(max_length=40)] = None,
    ) -> Response[str]:
        _round_trips(client, "get query", {})
        return Response(200, "application/json", body)

    return app
