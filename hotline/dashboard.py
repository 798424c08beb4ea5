"""The locality dashboard (`/hotline/dashboard`): declarations per day by channel and
by risk, the high-risk declarations to call back, check-ins at the busiest venues and
the quarantine compliance of the active cases, filtered by commune and dates.

Who sees what: a health officer sees their area (a province, or some of its communes:
`gateway.store.areas`); an administrator the whole country or a province they pick; a
quarantine manager only the compliance of their own cases. The filters are GET
parameters (dates and an official commune code: nothing personal); a bad one gets the
page back with a 400 and the reason. The figures are gateway/store/dashboard.py's,
their tables hotline/dashboard_tables.py's (an export reuses them), their charts
hotline/charts.py's. Each table has its export buttons (hotline/dashboard_exports.py:
the same filters, checks and area limits); a high-risk person who is a case of the
reader's area links to the case's page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import g, request, url_for
from markupsafe import Markup
from sqlalchemy.orm import Session
from vietnam_provinces import Province, Ward

from gateway import runtime
from gateway.addresses import PROVINCES
from gateway.store import areas, dashboard_cases, isolation
from gateway.store import dashboard as figures
from gateway.store.areas import Area
from hotline import audit, charts
from hotline import dashboard_tables as tables
from hotline.auth import requires
from hotline.web import bp, local, page, t, today, unit

DEFAULT_DAYS = 14
MAX_DAYS = 92  # a quarter: the per-day charts stay readable and the reads bounded


class FilterError(ValueError):
    """A filter the dashboard cannot take: `key` is the console message."""

    def __init__(self, key: str, **variables: Any):
        super().__init__(key)
        self.key, self.vars = key, variables


@dataclass(frozen=True)
class Filters:
    """The filters as chosen: dates, the province (an administrator's choice, else the
    reader's area's) and a commune, with the communes one may choose from."""

    since: date
    until: date
    province: int | None
    commune: int | None
    communes: list[tuple[int, str]]


def read_filters(args: Any, own: Area | None, role: str, day: date) -> Filters:
    """The filters of the query string; FilterError names what is wrong. Without
    dates: the last DEFAULT_DAYS days up to `day`."""
    until = _day(args.get("to", ""), "to") or day
    since = _day(args.get("from", ""), "from") or until - timedelta(days=DEFAULT_DAYS - 1)
    if since > until:
        raise FilterError("dash.error.order")
    if (until - since).days + 1 > MAX_DAYS:
        raise FilterError("dash.error.range", max=MAX_DAYS)
    province = own.province_code if own is not None else None
    raw = args.get("province", "").strip()
    if raw and role == "admin" and own is None:
        province = _province(raw)
    communes = _communes(own, province)
    commune = None
    raw = args.get("commune", "").strip()
    if raw:
        if not raw.isdigit() or int(raw) not in dict(communes):
            raise FilterError("dash.error.commune")
        commune = int(raw)
    return Filters(since, until, province, commune, communes)


def _day(text: str, name: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FilterError("dash.error.date", field=name) from None


def _province(text: str) -> int:
    if text.isdigit():
        try:
            return Province.from_code(int(text)).code.value
        except (ValueError, OverflowError):
            pass
    raise FilterError("dash.error.province")


def _communes(own: Area | None, province: int | None) -> list[tuple[int, str]]:
    """(code, name) of the communes one may filter by, by name."""
    if own is not None and own.ward_codes:
        wards = [Ward.from_code(code) for code in own.ward_codes]
    elif province is not None:
        wards = list(Ward.iter_by_province(Province.from_code(province).code))
    else:
        return []
    return sorted(((w.code.value, w.name) for w in wards), key=lambda pair: pair[1])


@dataclass(frozen=True)
class Figures:
    """What the dashboard read for a scope (gateway/store/dashboard.py's answers)."""

    declarations: list[figures.DayCount]
    high_risk: list[figures.HighRisk]
    venues: list[figures.VenueCheckins]
    compliance: figures.Compliance
    follow_up: list[dashboard_cases.FollowUp]
    areas: list[isolation.AreaCompliance] = field(default_factory=list)  # issue 17


def scope_of(own: Area | None, role: str, user_id: int, chosen: Filters) -> figures.Scope:
    """The scope a reader sees with these filters: their area (an administrator's:
    the province picked, if any), a manager's own cases."""
    area = own if own is not None else (
        Area(chosen.province) if chosen.province is not None else None)
    return figures.Scope(chosen.since, chosen.until, runtime.current().config.tz, area,
                         chosen.commune, user_id if role == "manager" else None)


def read(db: Session, scope: figures.Scope, day: date) -> Figures:
    """Every figure of the scope; compliance (the cases to follow up, and the isolation areas':
    a manager's own areas, else those of the area in scope) as of its last day, today at
    most."""
    last = min(scope.until, day)
    return Figures(figures.declarations(db, scope), figures.high_risk(db, scope),
                   figures.checkins(db, scope), figures.compliance(db, scope, last),
                   dashboard_cases.follow_up(db, scope, last),
                   isolation.compliance(db, last, scope.area, scope.manager_id, scope.commune))


def tables_of(found: Figures, scope: figures.Scope) -> dict[str, tables.Table]:
    """The dashboard's tables by name, in the console's language: what the page shows
    beside its charts and what an export writes. A manager's part has only the
    compliance."""
    named = {"compliance": tables.compliance(found.compliance, t),
             "follow_up": tables.follow_up(found.follow_up, t),
             "isolation_areas": tables.isolation_areas(found.areas, t)}
    if scope.manager_id is None:
        since, until = scope.since, scope.until
        named.update(by_channel=tables.by_channel(found.declarations, since, until, t),
                     by_risk=tables.by_risk(found.declarations, since, until, t),
                     high_risk=tables.high_risk(found.high_risk, t, local),
                     checkins=tables.checkins(found.venues, since, until, t),
                     venue_totals=tables.venue_totals(found.venues, t))
    return named


def charts_of(named: dict[str, tables.Table], found: Figures,
              scope: figures.Scope) -> dict[str, Markup]:
    """The charts of the tables that have one, by the same names."""
    cases = found.compliance
    drawn = {"compliance": charts.horizontal_bars(
        "chart-compliance", t("dash.compliance.title"),
        t("dash.compliance.desc", day=cases.day.strftime("%d/%m/%Y"), active=cases.active),
        [(row[0], row[1]) for row in named["compliance"].rows[1:]])}
    if "by_channel" not in named:
        return drawn
    labels = [d.strftime("%d/%m") for d in tables.days(scope.since, scope.until)]
    period = t("dash.period", since=scope.since.strftime("%d/%m/%Y"),
               until=scope.until.strftime("%d/%m/%Y"))
    for name, chart_id, key in (("by_channel", "chart-channel", "dash.by_channel"),
                                ("by_risk", "chart-risk", "dash.by_risk"),
                                ("checkins", "chart-checkins", "dash.checkins_title")):
        drawn[name] = _stacked(chart_id, key, period, labels, named[name])
    return drawn


@bp.get("/dashboard")
@requires("health_officer", "manager", "admin")
def dashboard():
    """The dashboard of the reader's area (or own cases), with its filters."""
    day = today()
    with unit() as db:
        own = areas.of(db, user_id=g.user.id)
        try:
            chosen = read_filters(request.args, own, g.user.role, day)
        except FilterError as error:
            return page("dashboard.html", 400, error=t(error.key, **error.vars),
                        args=request.args, filters=None, provinces=_provinces(own),
                        communes=_communes(own, own.province_code if own else None))
        scope = scope_of(own, g.user.role, g.user.id, chosen)
        found = read(db, scope, day)
        # A person to call back who is also a case of the reader's area: its page.
        cases = dashboard_cases.cases_of(db, [p.phone for p in found.high_risk], own) \
            if own is not None or g.user.role == "admin" else {}
        audit.record(db, g.user, "dashboard.view", None,
                     f"{chosen.since.isoformat()}..{chosen.until.isoformat()}"
                     + (f" province {chosen.province}" if chosen.province else "")
                     + (f" commune {chosen.commune}" if chosen.commune else "")
                     + f", {len(found.high_risk)} high-risk shown")
    named = tables_of(found, scope)
    links = [url_for("hotline.case_page", case_id=cases[p.phone]) if p.phone in cases
             else None for p in found.high_risk]
    # The cases to follow up lie in the reader's area (or are their own): each has a page.
    follow_links = [url_for("hotline.case_page", case_id=c.case_id) for c in found.follow_up]
    return page("dashboard.html", filters=chosen, args=request.args, communes=chosen.communes,
                provinces=_provinces(own), error=None, tables=named, case_links=links,
                follow_links=follow_links, follow_max=dashboard_cases.FOLLOW_UP_LIMIT,
                exported=export_filters(chosen, own),
                charts=charts_of(named, found, scope), compliance_day=found.compliance.day,
                area=scope.area.describe() if scope.area else None)


def export_filters(chosen: Filters, own: Area | None) -> dict[str, str]:
    """The filters as applied, for the export buttons to post (the exports check them
    again, as this page does): the dates as shown, not as typed, so a file holds the
    page's very range."""
    fields = {"from": chosen.since.isoformat(), "to": chosen.until.isoformat(),
              "commune": str(chosen.commune) if chosen.commune is not None else "",
              "province": str(chosen.province)
              if own is None and chosen.province is not None else ""}
    return {k: v for k, v in fields.items() if v}


def _provinces(own: Area | None) -> list[tuple[int, str]]:
    """The provinces one may pick (an administrator, who is limited to none)."""
    if own is not None or g.user.role != "admin":
        return []
    return [(p.code.value, p.name) for p in PROVINCES]


def _stacked(chart_id: str, key: str, period: str, labels: list[str],
             table: tables.Table) -> Markup:
    """A day × series table (first column the day, last the total) as stacked bars."""
    series = [(heading, table.column(i + 1)) for i, heading in enumerate(table.headings[1:-1])]
    total = sum(table.column(len(table.headings) - 1))
    return charts.stacked_bars(chart_id, t(key), t("dash.desc", period=period, total=total),
                               labels, series)
