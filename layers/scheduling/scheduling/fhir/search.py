"""FHIR search parameters as typed values: `_count`, date prefixes (`ge`, `gt`, `le`, `lt`, `eq`), references,
strings with `:exact`/`:contains`, tokens, the opaque page token, and what to do with unknown parameters
(lenient unless `Prefer: handling=strict`, as FHIR R4 says)."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pydantic import ValidationError

from scheduling.fhir.outcomes import FhirRequestError, Issue, invalid, not_supported
from scheduling.models import END_OF_INSTANTS, SUPPORTED_RANGE, TimeBound, parse_local_date, parse_rfc3339
from scheduling.models.time import END_OF_DATES

DEFAULT_COUNT = 50
MAX_COUNT = 100
PAGE_TOKEN = "_page_token"  # noqa: S105  # a query parameter's name
# Accepted everywhere and changing nothing in what is found.
ALWAYS_ACCEPTED = frozenset({"_count", PAGE_TOKEN, "_format", "_pretty"})
DAY = timedelta(days=1)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_PREFIX = re.compile(r"^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(.*)$")
_STRICT = re.compile(r"(^|[;,\s])handling\s*=\s*strict($|[;,\s])")
_WEB = re.compile(r"^https?://", re.IGNORECASE)
# `Type/id` or `id`; ids as the native API's (FHIR ids and patient ids such as `ehr1:mrn-77`), nothing else.
_RELATIVE_REFERENCE = re.compile(r"(?:([A-Z][A-Za-z]*)/)?([A-Za-z0-9][A-Za-z0-9._~:@-]*)")
_ABSOLUTE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*://|urn:)", re.IGNORECASE)  # a URL or a URN


@dataclass(frozen=True)
class Bounds:
    """A date search as the bounds of a window, `lower` (included) and `upper` (excluded): instants, or days
    that a doctor's search reads as local midnight in the doctor's zone."""

    lower: TimeBound | None = None
    upper: TimeBound | None = None

    def instants(self) -> tuple[datetime | None, datetime | None]:
        """The bounds as instants (a date is midnight UTC), for searches that are not a doctor's."""
        return _instant(self.lower), _instant(self.upper)


class SearchQuery:
    """The query of one search: repeated parameters kept, each parameter read at most once by name."""

    def __init__(
        self, params: dict[str, list[str]] | None, headers: dict[str, str] | None, base: str | None = None
    ) -> None:
        self.params = {name: list(values) for name, values in (params or {}).items()}
        self.base = base  # this server's base URL as the caller reached it: absolute references to it are ours
        prefer = next((value for name, value in (headers or {}).items() if name.lower() == "prefer"), "")
        self.strict = bool(_STRICT.search(prefer.lower()))
        self.used: dict[str, list[str]] = {}

    def values(self, name: str) -> list[str]:
        found = self.params.get(name, [])
        if found:
            self.used[name] = found
        return found

    def one(self, name: str) -> str | None:
        found = self.values(name)
        if len(found) > 1:
            raise invalid(f"Parameter '{name}' may be given once.", name)
        return found[0] if found else None

    def check_known(self, known: set[str]) -> None:
        """Unknown parameters are ignored (and left out of the `self` link), or refused with `handling=strict`."""
        unknown = sorted(name for name in self.params if name not in known | ALWAYS_ACCEPTED)
        if unknown and self.strict:
            raise FhirRequestError(
                invalid("").status,
                [
                    Issue("not-supported", f"Unknown or unsupported search parameter '{name}'.", name)
                    for name in unknown
                ],
            )

    def count(self) -> int:
        text = self.one("_count")
        if text is None:
            return DEFAULT_COUNT
        if not text.isdigit() or not 1 <= int(text) <= 10_000:
            raise invalid("_count must be a whole number from 1.", "_count")
        return min(int(text), MAX_COUNT)

    def page_token(self) -> dict[str, Any] | None:
        text = self.one(PAGE_TOKEN)
        return None if text is None else decode_page_token(text)

    def bounds(self, name: str) -> Bounds:
        lower: TimeBound | None = None
        upper: TimeBound | None = None
        for value in self.values(name):
            not_empty(name, value)
            for part in value.split(","):
                low, high = _bound(name, part)
                lower = _later(lower, low)
                upper = _earlier(upper, high)
        return Bounds(lower, upper)

    def reference(self, name: str, resource_type: str) -> list[str]:
        """Ids from `Type/id`, a bare `id`, or our own base URL and `Type/id` (comma means OR)."""
        ids = []
        for value in self.values(name):
            for part in value.split(","):
                ids.append(reference_id(part, resource_type, name, self.base))
        return ids

    def string(self, name: str) -> tuple[str, str] | None:
        """(how, text): how is `starts`, `exact` or `contains`."""
        for how, key in (("starts", name), ("exact", f"{name}:exact"), ("contains", f"{name}:contains")):
            found = self.one(key)
            if found is not None:
                return how, found
        return None

    def tokens(self, name: str) -> list[str]:
        return [code.split("|")[-1] for value in self.values(name) for code in value.split(",") if code]


def not_empty(name: str, text: str | None) -> None:
    """An empty time parameter (`start=`) is refused, as the native API refuses an empty `from=`."""
    if text is not None and not text.strip():
        raise invalid(f"Parameter '{name}' must not be empty.", name)


def instant(name: str, text: str) -> datetime:
    """A date or dateTime parameter as an instant (a date is midnight UTC)."""
    if _DATE.fullmatch(text):
        return datetime.combine(_date(name, text), time(0), tzinfo=UTC)
    return _parse(name, text, prefixes=False)


def time_bound(name: str, text: str) -> TimeBound:
    """An operation's date or dateTime parameter (`$find`'s start, end; no prefix) as a window's bound: a date
    stays a day (a doctor's search reads it as local midnight); an unreadable one is `400 invalid` naming it."""
    not_empty(name, text)
    if _DATE.fullmatch(text):
        return TimeBound(day=_date(name, text))
    return TimeBound(instant=_parse(name, text, prefixes=False))


def reference_id(text: str, resource_type: str, name: str, base: str | None = None) -> str:
    """The id a reference names on this server: a bare `id`, `Type/id`, or `{our base}/Type/id`."""
    return typed_reference(text, (resource_type,), name, base)[1]


def typed_reference(text: str, resource_types: tuple[str, ...], name: str, base: str | None = None) -> tuple[str, str]:
    """(type, id) of a reference to this server: `Type/id`, `{our base}/Type/id` over http or https, or a bare
    `id` when only one type is possible. An absolute reference to any other server (or a `urn:`, or another
    scheme) is refused, never read as a local id: another system's `Patient/mrn-77` is not our patient `mrn-77`
    (docs/fhir.md, "References"). Nothing else is tidied up: spaces, a trailing slash, a query or fragment, an
    escape or a backslash make the reference invalid, not another id."""
    relative = _relative(text, base)
    if relative is None:
        raise invalid(
            f"Parameter '{name}' references another server; only references to this server are accepted: "
            f"'{resource_types[0]}/[id]'{f' or {base}/{resource_types[0]}/[id]' if base else ''}.",
            name,
        )
    match = _RELATIVE_REFERENCE.fullmatch(relative)
    kind = (match.group(1) or (resource_types[0] if len(resource_types) == 1 else None)) if match else None
    if match is None or kind not in resource_types:
        wanted = " or ".join(f"'{kind}/[id]'" for kind in resource_types)
        raise invalid(f"Parameter '{name}' must reference a {' or a '.join(resource_types)} ({wanted}).", name)
    return str(kind), match.group(2)


def _relative(text: str, base: str | None) -> str | None:
    """`text` relative to our base, or None when it is absolute and not ours (http and https alike: behind API
    Gateway the caller may name our base as https while a proxy forwarded http)."""
    if not (_ABSOLUTE.match(text) or text.startswith("//")):
        return text
    if base is None or not (_WEB.match(text) or text.startswith("//")):
        return None
    ours = base.split("://", 1)[-1].rstrip("/") + "/"
    theirs = text.split("://", 1)[-1] if "://" in text else text.removeprefix("//")
    return theirs[len(ours) :] if theirs.lower().startswith(ours.lower()) else None


def matches(how: str, wanted: str, text: str) -> bool:
    """FHIR string matching: case- and accent-insensitive enough for names (casefold), by word start."""
    if how == "exact":
        return text == wanted
    folded, needle = text.casefold(), wanted.casefold()
    if how == "contains":
        return needle in folded
    return folded.startswith(needle) or any(word.startswith(needle) for word in re.split(r"[\s,.;-]+", folded))


def encode_page_token(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_page_token(text: str) -> dict[str, Any]:
    try:
        state = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (binascii.Error, ValueError):
        raise invalid("The page token is not one this server issued.", PAGE_TOKEN) from None
    if not isinstance(state, dict):
        raise invalid("The page token is not one this server issued.", PAGE_TOKEN)
    return state


def _bound(name: str, value: str) -> tuple[TimeBound | None, TimeBound | None]:
    match = _PREFIX.match(value.strip())
    prefix, text = (match.group(1) or "eq", match.group(2)) if match else ("eq", value)
    if prefix not in {"eq", "gt", "lt", "ge", "le"}:
        raise not_supported(f"The date prefix '{prefix}' is not supported; use ge, gt, le, lt or eq.", name)
    if _DATE.fullmatch(text):
        day = _date(name, text)
        given = TimeBound(day=day)
        following = _within_range(name, prefix, TimeBound(day=day + DAY), day == END_OF_DATES - DAY)
    else:
        instant = _parse(name, text)
        given = TimeBound(instant=instant)
        # Starts are whole seconds (whole minutes in practice), and so are the native bounds: the next second is
        # the first instant after this one that can matter (a microsecond would round back to this very second).
        after = instant + timedelta(seconds=1)
        following = _within_range(name, prefix, TimeBound(instant=after), after >= END_OF_INSTANTS)
    return {
        "eq": (given, following),
        "ge": (given, None),
        "gt": (following, None),
        "lt": (None, given),
        "le": (None, following),
    }[prefix]


def _within_range(name: str, prefix: str, following: TimeBound, past_the_end: bool) -> TimeBound | None:
    """The bound just after the given day or second; past the supported range's end it bounds nothing from above
    (nothing is stored there: `le`, `eq` end at the range's end), and nothing can start after it (`gt`)."""
    if not past_the_end:
        return following
    if prefix == "gt":
        raise invalid(f"Parameter '{name}': nothing is after the supported range ({SUPPORTED_RANGE}).", name)
    return None


def _date(name: str, text: str) -> date:
    """A date in the supported range (the native API's: 1970-01-01 to 8999-12-31), for every search alike."""
    try:
        date.fromisoformat(text)
    except ValueError:
        raise invalid(f"Parameter '{name}': '{text}' is not a date.", name) from None
    try:
        return parse_local_date(text)
    except ValidationError:
        raise invalid(
            f"Parameter '{name}': '{text}' is outside the supported range ({SUPPORTED_RANGE}).", name
        ) from None


def _parse(name: str, text: str, *, prefixes: bool = True) -> datetime:
    """`prefixes`: the parameter is a search's date (`ge`, `lt`...); an operation's time (`$find`'s) takes none."""
    try:
        return parse_rfc3339(text)
    except ValidationError as error:
        if any(detail["type"] == "instant_out_of_range" for detail in error.errors()):
            raise invalid(
                f"Parameter '{name}': '{text}' is outside the supported range ({SUPPORTED_RANGE}).", name
            ) from None
        if not prefixes:
            raise invalid(
                f"Parameter '{name}' must be a date (YYYY-MM-DD) or a dateTime with seconds and a time zone "
                "(e.g. 2035-06-04T09:00:00Z), without a prefix.",
                name,
            ) from None
        raise invalid(
            f"Parameter '{name}' must be a date (YYYY-MM-DD) or a dateTime with seconds and a time zone "
            "(e.g. ge2035-06-04T09:00:00Z), optionally after a prefix ge, gt, le, lt or eq.",
            name,
        ) from None


def _key(bound: TimeBound) -> datetime:
    return bound.at(UTC)


def _later(current: TimeBound | None, other: TimeBound | None) -> TimeBound | None:
    if current is None or other is None:
        return current or other
    return other if _key(other) > _key(current) else current


def _earlier(current: TimeBound | None, other: TimeBound | None) -> TimeBound | None:
    if current is None or other is None:
        return current or other
    return other if _key(other) < _key(current) else current


def _instant(bound: TimeBound | None) -> datetime | None:
    return None if bound is None else bound.at(UTC)
