"""The FHIR R4 edge (IHE Scheduling ITI-115 to ITI-118) over the same service: it maps, the service decides."""
