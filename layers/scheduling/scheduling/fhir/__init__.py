"""The FHIR R4 facade (IHE Scheduling ITI-115 to ITI-118), one job per module; it maps, the service decides.

- `ids`: FHIR ids for doctors, locations, slots, and booked, pending and proposed appointments;
- `resources`: our models as FHIR resources (the status mapping lives here);
- `search`: search parameters as typed values, unknown ones lenient or strict;
- `bundles`: searchset Bundles and the two ways a page is cut;
- `interactions`: reads and searches; `operations`: $find, $hold, $book;
- `capability`: the CapabilityStatement;
- `outcomes`: errors as OperationOutcome answers (domain errors from `scheduling.error_table`);
- `edge`: the resolver and the raw body checks of the FHIR function.
"""
