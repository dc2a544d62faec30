"""Search answers: `searchset` Bundles with `self` and `next` links, and the two ways a page is cut.

- `native_page`: from a list the store pages (doctors, appointments); each of its items may give several
  resources (a doctor's locations), so the token is the store's token plus how many of that page were sent.
- `keyset_page`: from a list computed whole for a window (slots, proposed appointments), sorted by a key; the
  token is the last key sent, so a page never repeats or skips an entry even when bookings change between pages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

from scheduling.fhir.outcomes import invalid
from scheduling.fhir.resources import Resource
from scheduling.fhir.search import PAGE_TOKEN, encode_page_token
from scheduling.store import Page

T = TypeVar("T")
MAX_STORE_PAGES = 10  # per FHIR page; a sparse filter answers fewer entries and a `next` link
MAX_OFFSET = 100 * 20  # into one store page: at most 100 items (`_count`), each up to 20 resources (locations)


@dataclass(frozen=True)
class SearchPage:
    entries: list[Resource]
    next_state: dict[str, Any] | None = None
    total: int | None = None


def native_page(
    fetch: Callable[[str | None, int], Page[T]],
    expand: Callable[[T], list[Resource]],
    count: int,
    state: dict[str, Any] | None,
) -> SearchPage:
    token, offset = _native_state(state)
    found: list[Resource] = []
    for _ in range(MAX_STORE_PAGES):
        page = fetch(token, count)
        resources = [resource for item in page.items for resource in expand(item)][offset:]
        needed = count - len(found)
        if len(resources) > needed:
            return SearchPage([*found, *resources[:needed]], {"t": token, "o": offset + needed})
        found += resources
        if page.next_token is None:
            total = len(found) if state is None else None  # the whole result fitted in this first page
            return SearchPage(found, None, total)
        token, offset = page.next_token, 0
        if len(found) == count:
            break
    return SearchPage(found, {"t": token, "o": 0})


def _native_state(state: dict[str, Any] | None) -> tuple[str | None, int]:
    """The store's token and the offset into its page, from a page token we issued: nothing else is read."""
    if state is None:
        return None, 0
    token, offset = state.get("t"), state.get("o")
    well_formed = (
        set(state) == {"t", "o"}
        and (token is None or isinstance(token, str))
        and type(offset) is int
        and 0 <= offset <= MAX_OFFSET
    )
    if not well_formed:
        raise _not_ours()
    return cast("str | None", token), cast("int", offset)


def _not_ours() -> Exception:
    return invalid("The page token is not one this server issued.", PAGE_TOKEN)


def keyset_page(
    keyed: list[tuple[str, Resource]], count: int, state: dict[str, Any] | None, with_total: bool = False
) -> SearchPage:
    """`keyed` sorted by key; the page after the state's `after` key."""
    if state is not None and (set(state) != {"after"} or not isinstance(state["after"], str)):
        raise _not_ours()
    after = state["after"] if state else None
    remaining = [(key, resource) for key, resource in keyed if after is None or key > str(after)]
    page = remaining[:count]
    next_state = {"after": page[-1][0]} if len(remaining) > count else None
    total = len(keyed) if with_total and after is None else None
    return SearchPage([resource for _, resource in page], next_state, total)


def searchset(base_url: str, path: str, used: dict[str, list[str]], page: SearchPage) -> Resource:
    """The Bundle: `self` with the parameters that were used, `next` with the page token when there is more."""
    query = {name: values for name, values in used.items() if name != PAGE_TOKEN}
    links = [{"relation": "self", "url": _url(base_url, path, used)}]
    if page.next_state is not None:
        links.append(
            {
                "relation": "next",
                "url": _url(base_url, path, {**query, PAGE_TOKEN: [encode_page_token(page.next_state)]}),
            }
        )
    bundle: Resource = {"resourceType": "Bundle", "type": "searchset"}
    if page.total is not None:
        bundle["total"] = page.total
    bundle["link"] = links
    bundle["entry"] = [
        {
            "fullUrl": f"{base_url}/{resource['resourceType']}/{resource['id']}",
            "resource": resource,
            "search": {"mode": "match"},
        }
        for resource in page.entries
    ]
    return bundle


def single(base_url: str, resource: Resource) -> Resource:
    """The one-entry Bundle the IHE `$hold` and `$book` operations answer."""
    return searchset(base_url, f"{resource['resourceType']}/{resource['id']}", {}, SearchPage([resource], None, 1))


def _url(base_url: str, path: str, params: dict[str, list[str]]) -> str:
    text = urlencode(params, doseq=True)
    return f"{base_url}/{path}" + (f"?{text}" if text else "")
