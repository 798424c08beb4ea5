"""The caller's area in the records API: reads narrowed to it (through
`gateway.store.areas.limit`, the one filter per record kind), and writes of records
outside it refused with a 403 that names the area. A record outside the area reads
as one that does not exist (404): a limited token does not learn what lies beyond."""

from __future__ import annotations

from typing import Any, NoReturn

from flask import g

from gateway.api.problems import Problem
from gateway.store import areas
from gateway.store.areas import Area

OUTSIDE = "urn:gateway:problem:outside-area"


def area() -> Area | None:
    """The area the calling token is limited to (None: not limited)."""
    return g.caller.area


def limit(query: Any, model: type) -> Any:
    """`query` narrowed to the caller's area."""
    return areas.limit(query, model, area())


def refuse(what: str) -> NoReturn:
    """Refuse a write of `what` (e.g. 'this address') outside the caller's area."""
    raise Problem(403, f"{what} is outside this token's area ({area().describe()})",
                  type=OUTSIDE)


def covers(province_code: int, ward_code: int | None) -> bool:
    """Whether the caller may see a record at this place (always, when not limited)."""
    limited = area()
    return limited is None or limited.covers(province_code, ward_code)


def check_place(what: str, province_code: int, ward_code: int | None) -> None:
    """Refuse a write at a place outside the caller's area."""
    if not covers(province_code, ward_code):
        refuse(what)
