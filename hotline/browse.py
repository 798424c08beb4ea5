"""A page of a console list as the request asks for it: the search posted with it
(searches never go in a URL: names and phones are personal data) and the page
number, for the signed-in user as `hotline.lists` limits them."""

from __future__ import annotations

from typing import Any

from flask import g, request

from gateway import runtime
from hotline import lists, paging
from hotline.web import language, today


def viewer(session: Any, scope: str = "") -> lists.Viewer:
    """The signed-in user as a list's viewer (of the record `scope` names, if any)."""
    return lists.viewer_of(session, g.user, today(), runtime.current().config.tz,
                           language(), scope)


def search() -> lists.Search:
    """The search this request posted (none for a GET)."""
    return lists.Search.read(request.form.get("q")) if request.method == "POST" \
        else lists.Search()


def page_of(session: Any, name: str, term: lists.Search,
            scope: str = "") -> tuple[paging.Page, lists.Viewer]:
    """The page of list `name` (of the record `scope` names, if any) asked for (`page`
    in the query or the posted form)."""
    seen_by = viewer(session, scope)
    listing = lists.LISTINGS[name]
    found = paging.fetch(session, listing.select(session, seen_by, term),
                         paging.number(request.values.get("page")))
    return found, seen_by


def described(term: lists.Search, rows: int, scope: str = "",
              filters: dict[str, str] | None = None) -> str:
    """A list read or exported, as its audit entry's detail says it: the record it is
    of, the filters and search (a whole phone number goes in the entry's phone column
    instead) and the rows."""
    text = f"{scope}, " if scope else ""
    chosen = {k: v for k, v in (filters or {}).items() if v}
    if chosen:
        text += "filters: " + ", ".join(f"{k}={v!r}" for k, v in chosen.items()) + "; "
    if term.phone:
        text += "search: the phone; "
    elif term:
        text += f"search: {term.text!r}; "
    return text + f"{rows} rows"
