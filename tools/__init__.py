"""Generators run by hand or by make: the OpenAPI document, event schemas, sample events, the SAM transform."""
