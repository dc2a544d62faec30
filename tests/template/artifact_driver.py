"""Invoke a built function's handler the way Lambda does, from the built artifact only.

Run by CPython 3.13 with `-S -E -B` (no site-packages, no PYTHON* variables, no bytecode written), with the
function's directory as working directory. Reads `{"path": [...], "events": [...]}` on stdin: `path` is put in
front of `sys.path` in Lambda's order (function, layer, runtime SDK); prints the handler's answers as one JSON
line, last. Only the standard library and the artifact are importable, so anything the package left out fails.
"""

import json
import sys
import uuid


class Context:
    function_name = "artifact-check"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:artifact-check"
    log_group_name = "/aws/lambda/artifact-check"
    log_stream_name = "artifact-check"

    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def main() -> None:
    request = json.load(sys.stdin)
    sys.path[:0] = request["path"]
    import app  # type: ignore[import-not-found]  # the function's module, found on the path set above

    answers = [app.lambda_handler(event, Context()) for event in request["events"]]
    sys.stdout.write("\n" + json.dumps(answers) + "\n")


if __name__ == "__main__":
    main()
