"""Pure tests of the domain, models and mappings: no I/O, property-based where it fits."""
