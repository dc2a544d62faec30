"""Real HTTP against the local runner: flows, concurrency, the runner itself, fuzzing from the document."""
