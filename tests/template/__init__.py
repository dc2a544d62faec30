"""The deployed artifact: template rules, the SAM transform's output, the built layer and functions."""
