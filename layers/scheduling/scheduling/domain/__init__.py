"""Pure scheduling rules: no I/O, no boto3, no HTTP."""
