"""The suite, in tiers: unit (pure), functional (handlers in-process on moto), api (HTTP to the runner), template."""
