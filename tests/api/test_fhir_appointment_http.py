"""The FHIR facade over HTTP: Appointment read, search (ITI-118) and cancel, mixed with the native API."""

from __future__ import annotations

from tests.api.conftest import Api, new_doctor
from tests.api.fhir_calls import FHIR_DOCTOR, R4, all_pages, booked, find, held, operation, ref
from tests.support.fhir import entries, fhir

# Mixed use with the native API


def test_a_native_booking_is_read_through_fhir_and_cancelled_through_book(api: Api) -> None:
    doctor_id = new_doctor(api, FHIR_DOCTOR)
    native = api.post(
        f"/doctors/{doctor_id}/appointments",
        json={"start": "2035-06-04T09:30:00-04:00", "location": "2 South Wing", "patient": {"id": "p-native"}},
    ).json()

    searched = all_pages(api, f"{R4}/Appointment", {"patient": "Patient/p-native"})
    [appointment] = searched
    by_practitioner = all_pages(api, f"{R4}/Appointment", {"practitioner": doctor_id, "date": "2035-06-04"})
    cancelled = entries(
        fhir(
            operation(
                api,
                "$book",
                ref("appointment-reference", f"Appointment/{appointment['id']}"),
                {"name": "appt-resource", "resource": {**appointment, "status": "cancelled"}},
            ),
            200,
            "Bundle",
        )
    )[0]

    assert appointment["identifier"][0]["value"] == native["id"]
    assert by_practitioner == [appointment]
    assert cancelled["status"] == "cancelled"
    assert api.get(f"/doctors/{doctor_id}/appointments/{native['id']}").json()["status"] == "cancelled"


def test_a_fhir_booking_is_cancelled_through_the_native_api(api: Api) -> None:
    doctor_id = new_doctor(api, FHIR_DOCTOR)
    appointment = booked(api, entries(find(api, doctor_id))[0]["id"])
    native_id = appointment["identifier"][0]["value"]

    answer = api.post(f"/doctors/{doctor_id}/appointments/{native_id}/cancel", json={"reason": "changed plans"})
    read = fhir(api.get(f"{R4}/Appointment/{appointment['id']}"), 200, "Appointment")

    assert answer.status_code == 200
    assert read["status"] == "cancelled"
    assert read["cancelationReason"] == {"text": "changed plans"}


def test_a_hold_released_through_book_reads_cancelled(api: Api) -> None:
    doctor_id = new_doctor(api, FHIR_DOCTOR)
    pending = held(api, entries(find(api, doctor_id))[0]["id"])

    released = entries(
        fhir(
            operation(api, "$book", {"name": "appt-resource", "resource": {**pending, "status": "cancelled"}}),
            200,
            "Bundle",
        )
    )[0]

    assert released["status"] == "cancelled"
    assert fhir(api.get(f"{R4}/Appointment/{pending['id']}"), 200, "Appointment")["status"] == "cancelled"


def test_rescheduling_with_cancelled_appt_id(api: Api) -> None:
    doctor_id = new_doctor(api, FHIR_DOCTOR)
    first, *_, last = entries(find(api, doctor_id))
    old = booked(api, first["id"], patient="p-move")

    moved = entries(
        fhir(
            operation(
                api,
                "$book",
                {"name": "appt-id", "valueUri": f"Appointment/{last['id']}"},
                {"name": "cancelled-appt-id", "valueUri": f"Appointment/{old['id']}"},
            ),
            200,
            "Bundle",
        )
    )[0]

    assert moved["status"] == "booked"
    assert moved["start"] == last["start"]
    assert fhir(api.get(f"{R4}/Appointment/{old['id']}"), 200, "Appointment")["status"] == "cancelled"


# Appointment searches (ITI-118)


def test_appointment_search_by_status_and_date_and_paging(api: Api) -> None:
    doctor_id = new_doctor(api, FHIR_DOCTOR, schedule={"monday": [{"start": "09:00", "end": "12:00"}]})
    proposals = [
        item
        for item in entries(find(api, doctor_id, _count=100))
        if "North" in item["participant"][1]["actor"]["display"]
    ]
    ids = [booked(api, item["id"], patient="p-many")["id"] for item in proposals[:5]]
    api.post(f"/doctors/{doctor_id}/appointments/{ids[0].split('-', 1)[1]}/cancel")

    paged = all_pages(api, f"{R4}/Appointment", {"practitioner": f"Practitioner/{doctor_id}", "_count": 2})
    booked_only = all_pages(api, f"{R4}/Appointment", {"patient": "Patient/p-many", "status": "booked"})
    late = all_pages(
        api, f"{R4}/Appointment", {"practitioner": f"Practitioner/{doctor_id}", "date": "ge2035-06-04T14:00:00Z"}
    )

    assert [item["id"] for item in paged] == ids
    assert [item["id"] for item in booked_only] == ids[1:]
    assert [item["start"] for item in late] == [
        "2035-06-04T10:00:00-04:00",
        "2035-06-04T10:30:00-04:00",
        "2035-06-04T11:00:00-04:00",
    ]
    # each prefix on an instant, at an appointment's own start (an outside tester found eq empty, gt as ge, le as lt)
    on_doctor = {"practitioner": f"Practitioner/{doctor_id}"}
    starts = {
        prefix: [item["start"] for item in all_pages(api, f"{R4}/Appointment", {**on_doctor, "date": prefix + at})]
        for prefix, at in [(p, "2035-06-04T14:30:00Z") for p in ("eq", "gt", "ge", "lt", "le")]
    }
    assert starts["eq"] == ["2035-06-04T10:30:00-04:00"]
    assert starts["gt"] == ["2035-06-04T11:00:00-04:00"]
    assert starts["ge"] == ["2035-06-04T10:30:00-04:00", "2035-06-04T11:00:00-04:00"]
    assert "2035-06-04T10:30:00-04:00" not in starts["lt"]
    assert starts["le"][-1] == "2035-06-04T10:30:00-04:00"
