"""What an outside client reads in our answers, both edges: messages that read as sentences and name what the
client sent, one rule for empty and repeated query parameters, `If-Match` lists, identical reschedules racing."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from functions.appointments.app import lambda_handler as appointments_handler
from functions.availability.app import lambda_handler as availability_handler
from functions.doctors.app import lambda_handler as doctors_handler
from functions.fhir.app import lambda_handler as fhir_handler
from functions.patients.app import lambda_handler as patients_handler
from scheduling.models import Doctor
from scheduling.store import SchedulingStore
from tests.functional.conftest import invoke, stored_items
from tests.support.clock import Clock
from tests.support.lambda_events import SAMPLE_DOCTOR_ID, Answer, event_with

T0 = datetime(2035, 6, 1, 12, tzinfo=UTC)
pytestmark = [pytest.mark.usefixtures("aws"), pytest.mark.clock(T0)]

# A sentence: starts with a capital or a quote, ends with a full stop, and never runs one sentence's end into a
# field message ("... booked. is not ...", "... 'to' the window ...").
SENTENCE = re.compile(r"^[A-Z'$].*[.)]$")
RUN_ON = re.compile(r"\. [a-z]|' the |' Input |' Field ")


def book(body: dict[str, Any]) -> Answer:
    return invoke(appointments_handler, event_with("appointments_book", body=body))


def on_appointment(name: str, appointment_id: str, body: Any = ..., headers: dict[str, str] | None = None) -> Answer:
    path = {"doctor_id": SAMPLE_DOCTOR_ID, "appointment_id": appointment_id}
    return invoke(appointments_handler, event_with(name, path_parameters=path, body=body, headers=headers))


def fhir_book(start_stamp: str) -> Answer:
    reference = f"Appointment/p.{SAMPLE_DOCTOR_ID}.{start_stamp}.948595bd0490"
    body = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "appointment-reference", "valueReference": {"reference": reference}},
            {"name": "patient-reference", "valueReference": {"reference": "Patient/p-1"}},
        ],
    }
    return invoke(fhir_handler, event_with("fhir_book", body=body))


def diagnostics(answer: Answer) -> list[str]:
    assert answer.headers["content-type"] == "application/fhir+json", answer
    return [issue["diagnostics"] for issue in answer.json()["issue"]]


def assert_sentences(texts: list[str]) -> None:
    for text in texts:
        assert SENTENCE.match(text), text
        assert not RUN_ON.search(text), text


# 1. FHIR business-rule diagnostics


def test_fhir_business_rule_diagnostics_read_as_sentences(doctor: Doctor, clock: Clock) -> None:
    off_grid = fhir_book("20350604T131000Z")  # 09:10 New York: no published slot starts there
    reversed_find = invoke(
        fhir_handler,
        event_with(
            "fhir_find",
            query={"practitioner": f"Practitioner/{SAMPLE_DOCTOR_ID}", "start": "2035-06-05", "end": "2035-06-04"},
        ),
    )
    too_long = invoke(
        fhir_handler,
        event_with(
            "fhir_find",
            query={"practitioner": f"Practitioner/{SAMPLE_DOCTOR_ID}", "start": "2035-06-04", "end": "2035-08-04"},
        ),
    )

    assert off_grid.status == 422
    [text] = diagnostics(off_grid)
    assert text == "This appointment cannot be booked: 'start' is not the start of a published slot of this doctor."
    assert_sentences(diagnostics(reversed_find) + diagnostics(too_long))
    assert "'end' must be later than" in diagnostics(reversed_find)[0]
    assert "'end' must be at most 31 days after" in diagnostics(too_long)[0]


# 3. patient-busy names what is in the way neutrally (a hold is no appointment)


def test_a_patient_held_elsewhere_is_told_of_a_booking_not_an_appointment(
    doctor: Doctor, given_doctor: Any, clock: Clock
) -> None:
    from functions.holds.app import lambda_handler as holds_handler

    other = given_doctor("1" * 32)
    held = invoke(
        holds_handler,
        event_with(
            "holds_create",
            path_parameters={"doctor_id": other.id},
            body={"start": "2035-06-04T09:30:00-04:00", "location": "123 Main St", "patient": {"id": "p-1"}},
        ),
    )
    assert held.status == 201, held

    answer = book(
        {"start": "2035-06-04T09:30:00-04:00", "location": "123 Main St", "patient": {"id": "p-1", "name": "A"}}
    )

    assert answer.status == 409
    problem = answer.json()
    assert problem["type"] == "/problems/patient-busy"
    assert "appointment from" not in problem["detail"]
    assert problem["detail"].startswith("The patient already has a booking (an appointment or a hold) from ")


# 4. instants in messages are written as everywhere else: Z for UTC


def test_an_overlapping_series_names_its_starts_as_the_api_writes_instants(doctor: Doctor, clock: Clock) -> None:
    event = event_with(
        "appointments_book",
        body={
            "starts": ["2035-06-04T13:00:00Z", "2035-06-04T13:15:00Z"],
            "location": "123 Main St",
            "patient": {"id": "p-1", "name": "A"},
        },
    )
    event["resource"] = event["path"] = f"/doctors/{SAMPLE_DOCTOR_ID}/appointments/series"
    event["resource"] = "/doctors/{doctor_id}/appointments/series"

    answer = invoke(appointments_handler, event)

    assert answer.status == 422, answer
    [error] = answer.json()["errors"]
    assert "+00:00" not in error["message"]
    assert error["message"] == "2035-06-04T13:15:00Z overlaps 2035-06-04T13:00:00Z of the same series"


# 5. merge-patch null on a required field


def test_a_merge_patch_removing_the_name_says_it_cannot_be_removed(doctor: Doctor, clock: Clock) -> None:
    answer = invoke(doctors_handler, event_with("doctors_patch", body={"name": None, "locations": None}))

    assert answer.status == 422
    assert answer.json()["errors"] == [
        {"path": "name", "message": "cannot be removed (null removes a field in a merge patch); it is required"},
        {"path": "locations", "message": "cannot be removed (null removes a field in a merge patch); it is required"},
    ]


# 10. slot-taken names the slot the client asked for


def test_after_a_grid_change_slot_taken_names_the_requested_start_and_the_booking_in_the_way(
    doctor: Doctor, clock: Clock
) -> None:
    assert (
        book(
            {"start": "2035-06-04T10:00:00-04:00", "location": "123 Main St", "patient": {"id": "p-1", "name": "A"}}
        ).status
        == 201
    )
    changed = invoke(doctors_handler, event_with("doctors_patch", body={"slot_minutes": 20}))
    assert changed.status == 200, changed

    answer = book(
        {"start": "2035-06-04T10:20:00-04:00", "location": "123 Main St", "patient": {"id": "p-2", "name": "B"}}
    )

    assert answer.status == 409, answer
    problem = answer.json()
    assert problem["type"] == "/problems/slot-taken"
    assert problem["slot"] == {"start": "2035-06-04T14:20:00Z"}
    assert problem["detail"].startswith("The slot starting 2035-06-04T14:20:00Z of doctor")
    assert "2035-06-04T14:00:00Z" in problem["detail"]  # the booking in the way


# 12. a repeated query parameter


def test_a_repeated_query_parameter_is_one_clear_message(doctor: Doctor, clock: Clock) -> None:
    event = event_with("slots_search", query={"location": "123 Main St"})
    event["multiValueQueryStringParameters"]["location"] = ["123 Main St", "456 Central St"]

    answer = invoke(availability_handler, event)

    assert answer.status == 422
    assert answer.json()["errors"] == [{"path": "location", "message": "may be given once"}]


# 6. an empty from/to: refused on every route that takes one, naming it


@pytest.mark.parametrize("name", ["from", "to"])
@pytest.mark.parametrize(
    ("handler", "sample", "query"),
    [
        (availability_handler, "slots_list", {}),
        (availability_handler, "slots_search", {"location": "123 Main St"}),
        (appointments_handler, "appointments_list", {}),
        (patients_handler, "patients_appointments", {}),
    ],
)
def test_an_empty_time_bound_is_refused_naming_it_on_every_native_route(
    doctor: Doctor, clock: Clock, handler: Any, sample: str, query: dict[str, str], name: str
) -> None:
    answer = invoke(handler, event_with(sample, query={**query, name: ""}))

    assert answer.status == 422, answer
    assert answer.json()["errors"] == [{"path": name, "message": "must not be empty"}]


@pytest.mark.parametrize(
    ("sample", "query", "name"),
    [
        ("fhir_slots", {"schedule": f"Schedule/{SAMPLE_DOCTOR_ID}", "start": ""}, "start"),
        ("fhir_find", {"practitioner": f"Practitioner/{SAMPLE_DOCTOR_ID}", "start": "", "end": "2035-06-05"}, "start"),
        ("fhir_find", {"specialty": "diagnostics", "start": "2035-06-04", "end": ""}, "end"),
        ("fhir_slots", {"practitioner": f"Practitioner/{SAMPLE_DOCTOR_ID}", "date": ""}, "date"),
    ],
)
def test_an_empty_time_parameter_is_refused_naming_it_on_the_fhir_edge(
    doctor: Doctor, clock: Clock, sample: str, query: dict[str, str], name: str
) -> None:
    event = event_with(sample, query=query)
    if name == "date":
        event["path"] = event["resource"] = "/fhir/R4/Appointment"

    answer = invoke(fhir_handler, event)

    assert answer.status == 400, answer
    [issue] = answer.json()["issue"]
    assert issue["expression"] == [name]
    assert issue["diagnostics"] == f"Parameter '{name}' must not be empty."


# 7. an undocumented `limit` on a doctor's slots is ignored like any unknown parameter


@pytest.mark.parametrize("limit", ["x", "1.0", "5"])
def test_a_doctors_free_slots_ignore_a_limit_they_do_not_take(doctor: Doctor, clock: Clock, limit: str) -> None:
    plain = invoke(availability_handler, event_with("slots_list"))

    answer = invoke(
        availability_handler, event_with("slots_list", query={"from": "2035-06-04", "to": "2035-06-05", "limit": limit})
    )

    assert answer.status == 200, answer
    assert answer.json() == plain.json()


def test_a_loose_limit_is_still_refused_where_limit_is_taken(doctor: Doctor, clock: Clock) -> None:
    answer = invoke(appointments_handler, event_with("appointments_list", query={"limit": "1.0"}))

    assert answer.status == 422
    assert answer.json()["errors"] == [{"path": "limit", "message": "must be a whole number written with digits only"}]


# 8. If-Match with a list of entity tags


def patch_with(if_match: str | list[str]) -> Answer:
    event = event_with("doctors_patch", body={"locations": ["123 Main St"]})
    lines = [if_match] if isinstance(if_match, str) else if_match
    event["headers"]["If-Match"] = lines[-1]
    event["multiValueHeaders"]["If-Match"] = lines
    return invoke(doctors_handler, event)


@pytest.mark.parametrize(
    "if_match",
    ['"7", "1"', '"7","1"', '*, "7"', '"7", *', ['"7"', '"1"'], ['"1"', '"7"'], ['"7", "8"', '"1"']],
    ids=str,
)
def test_an_if_match_list_naming_the_current_etag_or_star_matches(doctor: Doctor, clock: Clock, if_match: Any) -> None:
    answer = patch_with(if_match)

    assert answer.status == 200, answer
    assert answer.headers["etag"] == '"2"'


@pytest.mark.parametrize("if_match", ['"7", "8"', 'W/"1", "7"', ['"7"', '"8"']], ids=str)
def test_an_if_match_list_without_the_current_etag_is_412_and_changes_nothing(
    doctor: Doctor, clock: Clock, if_match: Any
) -> None:
    answer = patch_with(if_match)

    assert answer.status == 412, answer
    assert invoke(doctors_handler, event_with("doctors_get")).headers["etag"] == '"1"'


# 2. identical reschedules racing: the losers answer as a retry would


def reschedule_losing_to(
    monkeypatch: pytest.MonkeyPatch, appointment_id: str, winner: dict[str, Any], loser: dict[str, Any]
) -> tuple[Answer, Answer]:
    """The loser reads the appointment while it is booked; the winner's move commits just before the loser's."""
    real = SchedulingStore.reschedule
    answers: list[Answer] = []

    def winner_first(self: SchedulingStore, *args: Any, **kwargs: Any) -> Any:
        if not answers:
            answers.append(Answer({"statusCode": 0, "headers": {}, "body": "null"}))  # the winner passes straight on
            answers[0] = on_appointment("appointments_reschedule", appointment_id, winner)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(SchedulingStore, "reschedule", winner_first)
    lost = on_appointment("appointments_reschedule", appointment_id, loser)
    return answers[0], lost


def stored_appointment_states() -> list[tuple[str, str]]:
    items = [item for item in stored_items() if item.get("kind", {}).get("S") == "appointment"]
    return sorted((item["start"]["S"], item["status"]["S"]) for item in items)


def test_an_identical_reschedule_that_lost_the_race_answers_the_winners_appointment(
    doctor: Doctor, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = book({"start": "2035-06-04T11:00:00-04:00", "location": "123 Main St", "patient": {"id": "p-1", "name": "A"}})
    move = {"start": "2035-06-04T10:30:00-04:00"}

    won, lost = reschedule_losing_to(monkeypatch, old.json()["id"], move, move)

    assert (won.status, lost.status) == (201, 201), (won, lost)
    assert lost.json() == won.json()
    assert stored_appointment_states() == [
        ("2035-06-04T14:30:00Z", "booked"),
        ("2035-06-04T15:00:00Z", "cancelled"),
    ]


def test_another_reschedule_that_lost_the_race_is_told_the_appointment_was_moved_and_where(
    doctor: Doctor, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = book({"start": "2035-06-04T11:00:00-04:00", "location": "123 Main St", "patient": {"id": "p-1", "name": "A"}})

    won, lost = reschedule_losing_to(
        monkeypatch, old.json()["id"], {"start": "2035-06-04T10:30:00-04:00"}, {"start": "2035-06-04T10:00:00-04:00"}
    )
    later = on_appointment("appointments_reschedule", old.json()["id"], {"start": "2035-06-04T09:30:00-04:00"})

    assert won.status == 201, won
    assert lost.status == 409, lost
    problem = lost.json()
    assert problem["type"] == "/problems/invalid-transition"
    assert problem["detail"] == (
        f"Appointment '{old.json()['id']}' was already rescheduled to appointment '{won.json()['id']}'; "
        "reschedule that one instead."
    )
    assert later.json() == problem  # what a request sent after the move is told
    assert stored_appointment_states() == [
        ("2035-06-04T14:30:00Z", "booked"),
        ("2035-06-04T15:00:00Z", "cancelled"),
    ]


# 9. a time that takes no prefix is not described as taking one


def test_find_across_doctors_describes_its_start_without_search_prefixes(doctor: Doctor, clock: Clock) -> None:
    query = {"specialty": "diagnostics", "start": "ge2035-06-04T09:00:00Z", "end": "2035-06-05"}

    answer = invoke(fhir_handler, event_with("fhir_find", query=query))

    assert answer.status == 400, answer
    [text] = diagnostics(answer)
    assert "prefix ge" not in text
    assert text == (
        "Parameter 'start' must be a date (YYYY-MM-DD) or a dateTime with seconds and a time zone "
        "(e.g. 2035-06-04T09:00:00Z), without a prefix."
    )


def test_native_instant_only_bounds_do_not_mention_dates(doctor: Doctor, clock: Clock) -> None:
    searched = invoke(availability_handler, event_with("slots_search", query={"location": "123 Main St", "from": "x"}))
    listed = invoke(patients_handler, event_with("patients_appointments", query={"from": "2035-06-01"}))

    for answer in (searched, listed):
        [error] = answer.json()["errors"]
        assert error["path"] == "from"
        assert "date (" not in error["message"], error
        assert "or a date" not in error["message"], error
        assert error["message"].startswith("must be an RFC 3339 date-time string with an offset")
