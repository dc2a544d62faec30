"""Domain events: every committed change of the scheduling table told once, as a CloudEvent, on EventBridge.

- `models`     the CloudEvents 1.0 envelope and the `data` of every event type (also the published schema)
- `changes`    a DynamoDB stream record as a `Change` (old and new stored record, who deleted it, when)
- `mapping`    pure: one `Change` -> the events it means (none for bookkeeping and unknown items)
- `publisher`  PutEvents in order, 10 entries per call, stopping at the first entry that failed
- `consumer`   a stream batch -> published events and Lambda's partial batch response

docs/events/README.md has the table of item transitions and the events they become.
"""
