"""Shared domain, models and data access for the hospital scheduling API."""
