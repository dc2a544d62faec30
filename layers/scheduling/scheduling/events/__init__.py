"""Domain events: every committed change of the scheduling table told once, as a CloudEvent, on EventBridge."""
