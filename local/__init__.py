"""The Docker-free local runner: serves the template's routes, tables, streams and events on localhost."""
