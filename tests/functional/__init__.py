"""Handlers invoked in-process against moto, with tables built from template.yaml."""
