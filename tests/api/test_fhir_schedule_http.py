"""The FHIR facade over HTTP: the CapabilityStatement, and Practitioner, Location and Schedule read and searched."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.api.conftest import Api, new_doctor
from tests.api.fhir_calls import FHIR_DOCTOR, R4, all_pages
from tests.support.fhir import fhir, outcome

# The CapabilityStatement


def test_metadata_lists_exactly_what_is_implemented(api: Api) -> None:
    statement = fhir(api.get(f"{R4}/metadata"), 200, "CapabilityStatement")

    assert statement["fhirVersion"] == "4.0.1"
    assert statement["format"] == ["application/fhir+json"]
    [rest] = statement["rest"]
    kinds = {resource["type"]: resource for resource in rest["resource"]}
    assert set(kinds) == {"Practitioner", "Location", "Schedule", "Slot", "Appointment"}
    assert [item["code"] for item in kinds["Slot"]["interaction"]] == ["search-type"]
    assert {item["name"] for item in kinds["Appointment"]["operation"]} == {"find", "hold", "book"}


# Practitioner, Location, Schedule


def test_practitioner_read_and_search_by_name(api: Api) -> None:
    doctor_id = new_doctor(api, FHIR_DOCTOR, name="Cristina Yang")

    read = fhir(api.get(f"{R4}/Practitioner/{doctor_id}"), 200, "Practitioner")
    by_word = all_pages(api, f"{R4}/Practitioner", {"name": "yan", "_count": 100})
    exact = all_pages(api, f"{R4}/Practitioner", {"name:exact": "Cristina Yang"})
    other = all_pages(api, f"{R4}/Practitioner", {"name:exact": "cristina yang"})

    assert read["name"] == [{"text": "Cristina Yang"}]
    assert read in by_word
    assert read in exact
    assert read not in other
    outcome(api.get(f"{R4}/Practitioner/{'0' * 32}"), 404, "not-found")


def test_location_read_and_search_by_name(api: Api) -> None:
    doctor_id = new_doctor(api, FHIR_DOCTOR, locations=["7 Seattle Grace Ave", "8 Mercy West Rd"])
    schedule = fhir(api.get(f"{R4}/Schedule/{doctor_id}"), 200, "Schedule")
    location_ids = [
        actor["reference"].split("/")[1] for actor in schedule["actor"] if "Location/" in actor["reference"]
    ]

    read = [fhir(api.get(f"{R4}/Location/{ident}"), 200, "Location") for ident in location_ids]
    found = all_pages(api, f"{R4}/Location", {"name:contains": "Mercy West", "_count": 100})

    assert [location["address"]["text"] for location in read] == ["7 Seattle Grace Ave", "8 Mercy West Rd"]
    assert read[1] in found
    assert read[0] not in found
    outcome(api.get(f"{R4}/Location/{doctor_id}-000000000000"), 404, "not-found")


def test_schedule_read_and_search_by_actor_with_the_planning_horizon_of_the_rules(api: Api) -> None:
    doctor_id = new_doctor(api, FHIR_DOCTOR, rules={"min_notice_minutes": 120, "horizon_days": 30})

    read = fhir(api.get(f"{R4}/Schedule/{doctor_id}"), 200, "Schedule")
    searched = all_pages(api, f"{R4}/Schedule", {"actor": f"Practitioner/{doctor_id}"})

    horizon = read["planningHorizon"]
    [found] = searched
    assert {**found, "planningHorizon": None} == {**read, "planningHorizon": None}  # a horizon moves with now
    assert read["actor"][0] == {"reference": f"Practitioner/{doctor_id}", "display": "Meredith Grey"}
    start, end = datetime.fromisoformat(horizon["start"]), datetime.fromisoformat(horizon["end"])
    assert end - start == timedelta(days=30) - timedelta(minutes=120)


def test_practitioner_search_pages_without_loss(api: Api) -> None:
    for index in range(5):
        new_doctor(api, FHIR_DOCTOR, name=f"Pager {index}")

    paged = all_pages(api, f"{R4}/Practitioner", {"_count": 2})
    whole = all_pages(api, f"{R4}/Practitioner", {"_count": 100})

    assert [item["id"] for item in paged] == [item["id"] for item in whole]
    assert len({item["id"] for item in paged}) == len(paged)
