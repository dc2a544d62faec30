"""The FHIR facade over HTTP: the $find, $hold and $book operations, their conflicts as the native API has them,
and their Idempotency-Key."""

from __future__ import annotations

import uuid
from typing import Any

from tests.api.conftest import Api, new_doctor
from tests.api.fhir_calls import FHIR_DOCTOR, R4, all_pages, booked, find, held, operation, ref
from tests.support.fhir import entries, fhir, link, outcome, path_of

# $find -> $hold -> $book -> read -> cancel


def test_find_hold_book_read_cancel(api: Api) -> None:
    doctor_id = new_doctor(api, FHIR_DOCTOR)
    found = find(api, doctor_id, **{"location-string": "1 north  wing"})
    proposals = entries(found)
    assert found["total"] == 4 == len(proposals)
    assert {proposal["status"] for proposal in proposals} == {"proposed"}

    pending = held(api, proposals[0]["id"])
    after_hold = entries(find(api, doctor_id))
    appointment = booked(api, pending["id"], patient="p-fhir-1")
    read = fhir(api.get(f"{R4}/Appointment/{appointment['id']}"), 200, "Appointment")
    cancelled = entries(
        fhir(
            operation(api, "$book", {"name": "appt-resource", "resource": {**read, "status": "cancelled"}}),
            200,
            "Bundle",
        )
    )[0]

    assert pending["status"] == "pending"
    assert pending["start"] == proposals[0]["start"] == "2035-06-04T09:00:00-04:00"
    assert proposals[0]["start"] not in [item["start"] for item in after_hold]  # a held slot is not proposed
    assert appointment["status"] == "booked"
    assert read == appointment
    assert {
        "actor": {"reference": "Patient/p-fhir-1", "display": "Ada Lovelace"},
        "required": "required",
        "status": "accepted",
    } in read["participant"]
    assert cancelled["status"] == "cancelled"
    assert cancelled["id"] == appointment["id"]
    native = api.get(f"/doctors/{doctor_id}/appointments/{appointment['identifier'][0]['value']}").json()
    assert native["status"] == "cancelled"


def test_find_pages_without_loss_and_tells_the_total(api: Api) -> None:
    doctor_id = new_doctor(api, FHIR_DOCTOR)

    whole = entries(find(api, doctor_id, _count=100))
    first = find(api, doctor_id, _count=3)
    paged = entries(first) + all_pages(api, path_of(str(link(first, "next"))))

    assert first["total"] == len(whole) == 8  # 4 slots at 2 locations
    assert [item["id"] for item in paged] == [item["id"] for item in whole]


def test_find_across_practitioners_by_specialty_and_location_pages_without_loss(api: Api) -> None:
    specialty = f"Pager{uuid.uuid4().hex[:8]}"
    first = new_doctor(api, FHIR_DOCTOR, name="A", specialties=[specialty], locations=["9 Shared Lane", "2 South Wing"])
    second = new_doctor(api, FHIR_DOCTOR, name="B", specialties=[specialty], locations=["9 Shared Lane"])
    new_doctor(api, FHIR_DOCTOR, name="C", locations=["9 Shared Lane"])  # another specialty: not found by it
    window = {"start": "2035-06-04T00:00:00Z", "end": "2035-06-05T00:00:00Z"}

    by_specialty = all_pages(api, f"{R4}/Appointment/$find", {**window, "specialty": specialty, "_count": 3})
    at_both = all_pages(
        api, f"{R4}/Appointment/$find", {**window, "specialty": specialty, "location-string": "9 shared lane"}
    )

    def key(item: dict[str, Any]) -> tuple[str, str]:
        return (item["start"], item["participant"][0]["actor"]["reference"])  # as the search across doctors orders

    doctors = {item["participant"][0]["actor"]["reference"] for item in by_specialty}
    assert doctors == {f"Practitioner/{first}", f"Practitioner/{second}"}
    assert len(by_specialty) == 4 * 2 + 4  # four slots each, the first at two locations
    assert len({item["id"] for item in by_specialty}) == len(by_specialty)
    assert [key(item) for item in by_specialty] == sorted(key(item) for item in by_specialty)
    assert len(at_both) == 8
    assert {item["participant"][1]["actor"]["display"] for item in at_both} == {"9 Shared Lane"}
    assert {item["status"] for item in by_specialty} == {"proposed"}


def test_a_proposal_found_across_practitioners_can_be_held_and_booked(api: Api) -> None:
    specialty = f"Book{uuid.uuid4().hex[:8]}"
    new_doctor(api, FHIR_DOCTOR, specialties=[specialty])
    proposal = entries(
        fhir(
            api.get(
                f"{R4}/Appointment/$find",
                params={"start": "2035-06-04", "end": "2035-06-05", "specialty": f"urn:any|{specialty}"},
            ),
            200,
            "Bundle",
        )
    )[0]

    appointment = booked(api, held(api, proposal["id"])["id"])

    assert appointment["start"] == proposal["start"]
    assert appointment["status"] == "booked"


def test_post_find_takes_parameters(api: Api) -> None:
    doctor_id = new_doctor(api, FHIR_DOCTOR)
    answer = operation(
        api,
        "$find",
        {"name": "start", "valueDateTime": "2035-06-04T13:00:00Z"},
        {"name": "end", "valueDateTime": "2035-06-04T14:00:00Z"},
        ref("practitioner", f"Practitioner/{doctor_id}"),
    )

    proposals = entries(fhir(answer, 200, "Bundle"))

    assert [(item["start"], item["participant"][1]["actor"]["display"]) for item in proposals] == [
        ("2035-06-04T09:00:00-04:00", "1 North Wing"),
        ("2035-06-04T09:00:00-04:00", "2 South Wing"),
        ("2035-06-04T09:30:00-04:00", "1 North Wing"),
        ("2035-06-04T09:30:00-04:00", "2 South Wing"),
    ]


# Conflicts, as the native API has them


def test_holding_a_taken_slot_is_a_fatal_not_found(api: Api) -> None:
    doctor_id = new_doctor(api, FHIR_DOCTOR)
    proposal = entries(find(api, doctor_id))[0]
    held(api, proposal["id"])

    again = outcome(
        operation(api, "$hold", ref("appointment-reference", f"Appointment/{proposal['id']}")), 409, "not-found"
    )

    assert again["issue"][0]["severity"] == "fatal"


def test_booking_a_held_slot_directly_is_a_conflict(api: Api) -> None:
    doctor_id = new_doctor(api, FHIR_DOCTOR)
    proposal = entries(find(api, doctor_id))[0]
    held(api, proposal["id"])

    outcome(operation(api, "$book", ref("appointment-reference", f"Appointment/{proposal['id']}")), 409, "conflict")


def test_a_patient_in_two_places_at_once_is_a_conflict(api: Api) -> None:
    first, second = new_doctor(api, FHIR_DOCTOR), new_doctor(api, FHIR_DOCTOR)
    booked(api, entries(find(api, first))[0]["id"], patient="p-busy")

    answer = operation(
        api,
        "$book",
        ref("appointment-reference", f"Appointment/{entries(find(api, second))[0]['id']}"),
        ref("patient-reference", "Patient/p-busy"),
    )

    outcome(answer, 409, "conflict")


def test_a_hold_for_a_patient_takes_the_patients_time(api: Api) -> None:
    first, second = new_doctor(api, FHIR_DOCTOR), new_doctor(api, FHIR_DOCTOR)
    proposal = entries(find(api, first))[0]
    pending = entries(
        fhir(
            operation(
                api,
                "$hold",
                ref("appointment-reference", f"Appointment/{proposal['id']}"),
                ref("patient-reference", "Patient/p-held"),
            ),
            200,
            "Bundle",
        )
    )[0]

    elsewhere = operation(
        api,
        "$hold",
        ref("appointment-reference", f"Appointment/{entries(find(api, second))[0]['id']}"),
        {"name": "patient-id", "valueUri": "Patient/p-held"},
    )

    assert {"reference": "Patient/p-held"} in [item["actor"] for item in pending["participant"]]
    outcome(elsewhere, 409, "conflict")


def test_a_rule_violation_is_a_business_rule_outcome(api: Api) -> None:
    doctor_id = new_doctor(api, FHIR_DOCTOR, rules={"max_per_day": 1})
    proposals = entries(find(api, doctor_id))
    booked(api, proposals[0]["id"])

    outcome(
        operation(api, "$book", ref("appointment-reference", f"Appointment/{proposals[-1]['id']}")),
        409,
        "business-rule",
    )


def test_booking_a_slot_in_the_past_is_422(api: Api) -> None:
    doctor_id = new_doctor(api, FHIR_DOCTOR)
    past = f"p.{doctor_id}.20200601T130000Z.{entries(find(api, doctor_id))[0]['id'][-12:]}"

    outcome(operation(api, "$book", ref("appointment-reference", f"Appointment/{past}")), 422, "business-rule")


def test_keyed_hold_and_book_retried_through_the_runner_write_once(api: Api) -> None:
    """Found by the outside tester: `$hold` and `$book` ignored `Idempotency-Key`; a retry was a second write."""
    doctor_id = new_doctor(api, FHIR_DOCTOR, name="Keyed Retry")
    proposed = entries(find(api, doctor_id))  # one per slot and location
    first_slot = proposed[0]
    second_slot = next(entry for entry in proposed if entry["start"] != first_slot["start"])
    fhir_json = {"Content-Type": "application/fhir+json"}

    def keyed(name: str, key: str, proposed_id: str) -> Any:
        body = {"resourceType": "Parameters", "parameter": [ref("appointment-reference", f"Appointment/{proposed_id}")]}
        return api.post(f"{R4}/Appointment/{name}", json=body, headers={**fhir_json, "Idempotency-Key": key})

    hold_key, book_key = str(uuid.uuid4()), str(uuid.uuid4())
    holds = [entries(fhir(keyed("$hold", hold_key, first_slot["id"]), 200, "Bundle"))[0] for _ in range(2)]
    books = [entries(fhir(keyed("$book", book_key, second_slot["id"]), 200, "Bundle"))[0] for _ in range(2)]

    assert holds[0]["id"] == holds[1]["id"]
    assert books[0]["id"] == books[1]["id"]
    stored = api.stored_items(doctor_id)
    assert len([item for item in stored if item["kind"]["S"] == "hold-record"]) == 1
    assert len([item for item in stored if item["kind"]["S"] == "appointment"]) == 1
