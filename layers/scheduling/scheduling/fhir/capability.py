"""The CapabilityStatement: exactly the interactions, search parameters and operations this server implements."""

from __future__ import annotations

from scheduling.fhir.resources import Resource

IHE = "https://profiles.ihe.net/ITI/Scheduling/OperationDefinition"
SOFTWARE_VERSION = "1.0.0"
RELEASED = "2035-01-01"  # the date of this statement's content; changed with it


def _param(name: str, kind: str, documentation: str) -> dict[str, str]:
    return {"name": name, "type": kind, "documentation": documentation}


COUNT = _param("_count", "number", "Page size, 1 to 100 (default 50); larger values are read as 100.")


def capability_statement(base_url: str) -> Resource:
    return {
        "resourceType": "CapabilityStatement",
        "id": "scheduling",
        "status": "active",
        "date": RELEASED,
        "publisher": "Hospital scheduling",
        "kind": "instance",
        "software": {"name": "Hospital scheduling FHIR facade", "version": SOFTWARE_VERSION},
        "implementation": {
            "description": "Scheduling (IHE ITI-115 to ITI-118) over the scheduling API",
            "url": base_url,
        },
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "Unknown search parameters are ignored (and left out of the self link) unless the request says "
                    "Prefer: handling=strict, which answers 400. Requests are signed with AWS SigV4 (IAM)."
                ),
                "security": {"cors": False, "description": "AWS IAM (SigV4) on every request."},
                "resource": [
                    {
                        "type": "Practitioner",
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                        "searchParam": [
                            _param("_id", "token", "Doctor id."),
                            _param("name", "string", "Starts a word of the name (:exact, :contains)."),
                            COUNT,
                        ],
                    },
                    {
                        "type": "Location",
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                        "searchParam": [
                            _param("name", "string", "Starts a word of the address (:exact, :contains)."),
                            _param("address", "string", "Same as name: a location is its address."),
                            COUNT,
                        ],
                    },
                    {
                        "type": "Schedule",
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                        "searchParam": [
                            _param("_id", "token", "Doctor id."),
                            _param("actor", "reference", "Practitioner/[id] or Location/[id]."),
                            COUNT,
                        ],
                    },
                    {
                        "type": "Slot",
                        "interaction": [{"code": "search-type"}],
                        "searchParam": [
                            _param("schedule", "reference", "Required: Schedule/[id]."),
                            _param("start", "date", "ge, gt, le, lt, eq; at most 31 days (default: 7 days from now)."),
                            _param("status", "token", "free (default) and/or busy."),
                            COUNT,
                        ],
                    },
                    {
                        "type": "Appointment",
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                        "searchParam": [
                            _param("patient", "reference", "Patient/[id] (the id the booking gave)."),
                            _param(
                                "practitioner", "reference", "Practitioner/[id]; patient or practitioner is required."
                            ),
                            _param("date", "date", "Start: ge, gt, le, lt, eq."),
                            _param("status", "token", "booked, checked-in, fulfilled, noshow, cancelled."),
                            COUNT,
                        ],
                        "operation": [
                            {"name": "find", "definition": f"{IHE}/appointment-find"},
                            {"name": "hold", "definition": f"{IHE}/appointment-hold"},
                            {"name": "book", "definition": f"{IHE}/appointment-book"},
                        ],
                    },
                ],
            }
        ],
    }
