"""Which template route serves `METHOD /path`, with its path parameters; or which methods the path allows."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote

from local.template import ApiRoute


@dataclass(frozen=True)
class Match:
    route: ApiRoute | None
    path_parameters: dict[str, str] = field(default_factory=dict)
    allowed: tuple[str, ...] = ()  # the methods the path has, when `route` is None


class Router:
    def __init__(self, routes: list[ApiRoute]) -> None:
        self.routes = routes
        self.methods = frozenset(route.method for route in routes)

    def match(self, method: str, path: str) -> Match:
        allowed: list[str] = []
        for route in self.routes:
            found = route.pattern.match(path)
            if not found:
                continue
            if route.method == method:
                return Match(route, {name: unquote(value) for name, value in found.groupdict().items()})
            allowed.append(route.method)
        return Match(None, {}, tuple(sorted(set(allowed))))
