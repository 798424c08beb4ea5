"""The dashboard's tables as exports (`hotline.lists.Computed` entries of `LISTINGS`).

Each reads the page's filters (dates, commune; an administrator's province), posted
with the export, through the page's own checks and area limits
(`hotline.dashboard.read_filters` and `scope_of`: a commune outside the reader's area
is refused, a manager sees only their own cases' compliance), reads only the figure it
needs, and writes the table the page shows beside the chart
(`hotline.dashboard_tables`) in the viewer's language: the file holds exactly the
numbers on the screen. A bad filter raises `hotline.dashboard.FilterError`, which the
export answers with a 400 and the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from gateway.store import dashboard as figures
from gateway.store import dashboard_cases, isolation
from hotline import dashboard
from hotline import dashboard_tables as tables

FILTERS = ("from", "to", "commune", "province")  # the page's GET parameters
READERS = ("health_officer", "admin")             # the whole dashboard
COMPLIANCE_READERS = ("health_officer", "manager", "admin")  # a manager's part too

Figure = Callable[[Session, figures.Scope, Any], tables.Table]


def scope(viewer: Any, filters: dict[str, str]) -> figures.Scope:
    """The scope `viewer` (a `hotline.lists.Viewer`) sees with these filters, checked
    as the page checks them."""
    chosen = dashboard.read_filters(filters, viewer.area, viewer.role, viewer.day)
    return dashboard.scope_of(viewer.area, viewer.role, viewer.user_id, chosen)


def _by_channel(db: Session, seen: figures.Scope, viewer: Any) -> tables.Table:
    return tables.by_channel(figures.declarations(db, seen), seen.since, seen.until,
                             viewer.say)


def _by_risk(db: Session, seen: figures.Scope, viewer: Any) -> tables.Table:
    return tables.by_risk(figures.declarations(db, seen), seen.since, seen.until,
                          viewer.say)


def _high_risk(db: Session, seen: figures.Scope, viewer: Any) -> tables.Table:
    return tables.high_risk(figures.high_risk(db, seen), viewer.say, viewer.local)


def _checkins(db: Session, seen: figures.Scope, viewer: Any) -> tables.Table:
    return tables.checkins(figures.checkins(db, seen), seen.since, seen.until, viewer.say)


def _venue_totals(db: Session, seen: figures.Scope, viewer: Any) -> tables.Table:
    return tables.venue_totals(figures.checkins(db, seen), viewer.say)


def _compliance(db: Session, seen: figures.Scope, viewer: Any) -> tables.Table:
    # As on the page: the cases active on the range's last day, today at most.
    return tables.compliance(figures.compliance(db, seen, min(seen.until, viewer.day)),
                             viewer.say)


def _follow_up(db: Session, seen: figures.Scope, viewer: Any) -> tables.Table:
    return tables.follow_up(dashboard_cases.follow_up(db, seen, min(seen.until, viewer.day)),
                            viewer.say)


def _isolation_areas(db: Session, seen: figures.Scope, viewer: Any) -> tables.Table:
    # As on the page: the active areas of the scope (a manager's own) on the range's
    # last day, today at most.
    return tables.isolation_areas(isolation.compliance(
        db, min(seen.until, viewer.day), seen.area, seen.manager_id, seen.commune), viewer.say)


def build(figure: Figure) -> Callable[[Session, Any, dict[str, str]],
                                      tuple[Sequence[str], Iterable[Sequence[Any]]]]:
    """A `Computed` table's build function: the figure's table for the viewer and the
    posted filters."""
    def built(db: Session, viewer: Any, filters: dict[str, str]):
        table = figure(db, scope(viewer, filters), viewer)
        return table.headings, table.rows
    return built


# list name → (roles, title key, figure); the names are the page's export buttons'.
TABLES: dict[str, tuple[tuple[str, ...], str, Figure]] = {
    "dashboard.by_channel": (READERS, "dash.by_channel", _by_channel),
    "dashboard.by_risk": (READERS, "dash.by_risk", _by_risk),
    "dashboard.high_risk": (READERS, "dash.high_risk", _high_risk),
    "dashboard.checkins": (READERS, "dash.checkins_title", _checkins),
    "dashboard.venue_totals": (READERS, "dash.venues", _venue_totals),
    "dashboard.compliance": (COMPLIANCE_READERS, "dash.compliance.title", _compliance),
    "dashboard.follow_up": (COMPLIANCE_READERS, "joins16.follow_up", _follow_up),
    "dashboard.isolation_areas": (COMPLIANCE_READERS, "area.dash.title", _isolation_areas),
}
