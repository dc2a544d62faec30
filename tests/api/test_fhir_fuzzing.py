"""Hypothesis on the FHIR routes: `Parameters` bodies for $find, $hold and $book, and search queries, built from
the parameter names we read (and some we do not), with values of every FHIR type and of the wrong one. Every
answer is a FHIR resource that fhir.resources (R4B) reads, never a 5xx. Seeded and derandomised: reproducible."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from tests.api.conftest import Api
from tests.support.fhir import parsed

R4 = "/fhir/R4"
SEED = 20261128
EXAMPLES = 60
DOCTOR = "0f8fad5bd9cb469fa16570867728950e"
NAMES = [
    "start",
    "end",
    "practitioner",
    "location",
    "location-reference",
    "location-string",
    "specialty",
    "appointment-reference",
    "appt-id",
    "appt-resource",
    "appointment-resource",
    "patient-id",
    "patient-reference",
    "cancelled-appt-id",
    "comment",
    "_count",
    "unknown",
]
IDS = [
    f"Appointment/p.{DOCTOR}.20350604T133000Z.948595bd0490",
    f"Appointment/{DOCTOR}-20350604T133000Z-0123456789ab",
    "Appointment/h.0tmxP8qpr6YgVkUv2gzq10.20350604T133000Z.2phcWIchufxo4HQv0M7WAy",
    f"Practitioner/{DOCTOR}",
    f"Location/{DOCTOR}-948595bd0490",
    "Patient/p-1",
    "Appointment/$find",
    "",
    "http://other-ehr.example/Patient/mrn-77",  # references to another server: 400, never a local id
    f"https://evil.example/fhir/R4/Appointment/{DOCTOR}-20350604T133000Z-0123456789ab",
    "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e",
    "//evil.example/Patient/p-1",
]
# The supported range's ends and beyond (year 9999 once overflowed into a 500).
EDGES_OF_TIME = ["ge9999-12-31", "le9999-12-31", "9999-12-31", "gt8999-12-31", "le8999-12-31T23:59:59Z", "1969-12-31"]
texts = st.one_of(
    st.sampled_from(IDS),
    st.text(max_size=40),
    st.sampled_from(["2035-06-04", "2035-06-04T09:00:00Z", "ge2035", "0", "-1", "101", *EDGES_OF_TIME]),
)
values = st.one_of(
    st.builds(lambda text: {"valueString": text}, texts),
    st.builds(lambda text: {"valueUri": text}, texts),
    st.builds(lambda text: {"valueDateTime": text}, texts),
    st.builds(lambda text: {"valueReference": {"reference": text}}, texts),
    st.builds(lambda text: {"valueReference": {"identifier": {"system": "urn:oid:1.2.3", "value": text}}}, texts),
    st.builds(lambda number: {"valueInteger": number}, st.integers(-(2**40), 2**40)),
    st.builds(
        lambda status, start: {
            "resource": {
                "resourceType": "Appointment",
                "status": status,
                "start": start,
                "participant": [{"status": "accepted", "actor": {"reference": "Patient/p"}}],
            }
        },
        st.sampled_from(["cancelled", "booked", "proposed", "nonsense"]),
        st.sampled_from(["2035-06-04T09:00:00Z", "2035-06-04T13:30:00-04:00"]),
    ),
    st.just({"valueBoolean": "yes"}),
    st.just({}),
)
parameter = st.builds(lambda name, value: {"name": name, **value}, st.sampled_from(NAMES), values)
bodies = st.one_of(
    st.builds(lambda items: {"resourceType": "Parameters", "parameter": items}, st.lists(parameter, max_size=6)),
    st.builds(
        lambda items: {"resourceType": "Parameters", "parameter": items, "extra": 1}, st.lists(parameter, max_size=2)
    ),
    st.just({"resourceType": "Bundle"}),
    st.just([]),
)
queries = st.dictionaries(
    st.sampled_from([*NAMES, "status", "date", "patient", "schedule", "name", "actor", "_page_token"]),
    texts,
    max_size=5,
)


def fhir_answer(answer: Any) -> None:
    assert answer.status_code < 500, answer.text
    assert answer.headers["Content-Type"].split(";")[0] == "application/fhir+json", answer.text
    parsed(answer.json())


@seed(SEED)
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(operation=st.sampled_from(["$find", "$hold", "$book", "_search", "$other"]), body=bodies)
def test_operations_never_answer_5xx(api: Api, operation: str, body: Any) -> None:
    answer = api.post(f"{R4}/Appointment/{operation}", json=body, headers={"Content-Type": "application/fhir+json"})

    fhir_answer(answer)


@seed(SEED)
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(
    path=st.sampled_from(["Appointment", "Appointment/$find", "Slot", "Schedule", "Practitioner", "Location"]),
    query=queries,
    strict=st.booleans(),
)
def test_searches_never_answer_5xx(api: Api, path: str, query: dict[str, str], strict: bool) -> None:
    headers = {"Prefer": "handling=strict"} if strict else {}

    fhir_answer(api.get(f"{R4}/{path}", params=query, headers=headers))


PRACTITIONER = f"Practitioner/{DOCTOR}"


def _year_9999_requests(api: Api) -> list[tuple[str, Any]]:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    return [
        *[
            (f"{who} {date}", api.get(f"{R4}/Appointment", params={who: ref, "date": date}))
            for who, ref in (("practitioner", PRACTITIONER), ("patient", "Patient/p1"))
            for date in ("ge9999-12-31", "le9999-12-31", "eq9999-12-31", "9999-12-31", "ge9998-12-31", "gt8999-12-31")
        ],
        *[
            (
                f"_search {date}",
                api.post(f"{R4}/Appointment/_search", data=f"practitioner={PRACTITIONER}&date={date}", headers=form),
            )
            for date in ("ge9999-12-31", "le9999-12-31")
        ],
        *[
            (f"Slot {start}", api.get(f"{R4}/Slot", params={"schedule": f"Schedule/{DOCTOR}", "start": start}))
            for start in ("ge9999-12-31", "le9999-12-31", "eq9999-12-31")
        ],
    ]


def test_dates_past_the_supported_range_are_invalid_on_every_fhir_search(api: Api) -> None:
    """Found by the outside tester: these answered 500 (OverflowError), or 200 for a patient's search only."""
    for label, answer in _year_9999_requests(api):
        assert answer.status_code == 400, (label, answer.text)
        assert answer.json()["issue"][0]["code"] == "invalid", (label, answer.text)
        assert answer.json()["issue"][0]["expression"] in (["date"], ["start"]), (label, answer.text)


def test_a_proposed_appointment_in_year_9999_is_not_found(api: Api) -> None:
    answer = api.get(f"{R4}/Appointment/p.{DOCTOR}.99991231T235959Z.948595bd0490")

    assert answer.status_code == 404, answer.text
    parsed(answer.json())
