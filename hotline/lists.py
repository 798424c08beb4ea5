"""The console's lists as data: for each (the roster, visitors, users, venues, the audit
log) who may see it, the query its page runs — owner and area limits included — what
a search matches, and its columns for an export.

The page and its export read the same `Listing`, so a file holds exactly the rows the
page would page through, no more (another manager's cases, another area) and no fewer.
A dashboard table (or any other list) joins by adding one entry to `LISTINGS`; the
dashboard's are `hotline.dashboard_exports.TABLES`.

Searching: a term of digits matches the end of a phone number (the last digits, as the
masked numbers show them) or a venue code; a whole phone number matches that number;
other text matches names, usernames, addresses or audit entries, ignoring case and
diacritics ('nguyen van a' finds 'Nguyễn Văn A', 'd' finds 'đ') through each record's
indexed folded text (`search_folded`; the visitors' names, read from the declarations,
ignore case only). Searches are posted, never put in a URL: a name or a phone is
personal data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import false, or_, select
from sqlalchemy.orm import Session

from gateway.exports import files
from gateway.phones import InvalidPhone, mask, normalise
from gateway.store import areas
from gateway.store.models import (
    AuditEntry,
    Declaration,
    HealthReport,
    QuarantineCase,
    User,
    Venue,
    Visit,
)
from gateway.text import fold
from hotline import accounts, audit_words, catalogs, dashboard_exports, paging

SEARCH_MAX = 80
EXPORT_BATCH = 1000  # rows read from the database at a time by an export
FULL_PHONE_DIGITS = 9  # fewer digits are the end of a number (or a venue code)


@dataclass(frozen=True)
class Viewer:
    """Whose list it is: what limits a list's rows (the user, role, area, venues) and
    how its cells read (language, timezone, today)."""

    user_id: int
    role: str
    area: areas.Area | None
    venue_ids: tuple[int, ...]
    day: date
    tz: ZoneInfo
    language: str
    scope: str = ""  # the one record a list is of (a venue's code for its visits)

    def say(self, key: str, **variables: Any) -> str:
        """The console text `key` in this viewer's language."""
        return catalogs.say(self.language, key, **variables)

    def say_n(self, key: str, n: int, **variables: Any) -> str:
        """The counted console text `key` for `n` in this viewer's language."""
        return catalogs.say_n(self.language, key, n, **variables)

    def local(self, moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        """A moment in the gateway's local time ('' for none)."""
        return moment.astimezone(self.tz).strftime(fmt) if moment else ""


@dataclass(frozen=True)
class Search:
    """A search term, read once: the text, and the phone number or digits it is."""

    text: str = ""
    phone: str | None = None   # a whole number, in E.164
    digits: str = ""           # only digits: the end of a number, or a code

    @classmethod
    def read(cls, raw: str | None) -> Search:
        """The term a search box sent (cut at SEARCH_MAX characters)."""
        text = " ".join((raw or "").split())[:SEARCH_MAX]
        packed = "".join(c for c in text if c not in " .-()")
        digits = packed if packed.isdigit() else ""
        phone = None
        if len(packed.lstrip("+")) >= FULL_PHONE_DIGITS and packed.lstrip("+").isdigit():
            try:
                phone = normalise(packed)
            except InvalidPhone:
                phone = None
        return cls(text, phone, "" if phone else digits)

    def __bool__(self) -> bool:
        return bool(self.text)

    def in_folded(self, column: Any) -> Any:
        """The condition on a record's folded search text (`search_folded`): it holds
        the term, both ignoring case and diacritics ('nguyen van a' finds 'Nguyễn Văn
        A'). A term with no letter or digit matches nothing."""
        folded = fold(self.text)
        return column.contains(folded, autoescape=True) if folded else false()

    def on_phone(self, column: Any) -> Any:
        """The condition on a phone column: the whole number, or its last digits."""
        if self.phone:
            return column == self.phone
        if self.digits:
            return column.endswith(self.digits, autoescape=True)
        return false()


@dataclass(frozen=True)
class Listing:
    """One console list: the roles that see it, its query, its search and its columns."""

    name: str
    roles: tuple[str, ...]
    title: str                                   # string key of its name
    query: Callable[[Session, Viewer], Any]      # ordered, limited as the page is
    matches: Callable[[Search], Any]             # the WHERE condition of a search
    headings: tuple[str, ...]                    # string keys
    cells: Callable[[Any, Viewer], Sequence[Any]]
    page: str = "hotline.home"                   # the endpoint of its page
    filters: tuple[str, ...] = ()                # a query list narrows by its search only

    def select(self, session: Session, viewer: Viewer, search: Search) -> Any:
        """The list's rows for `viewer`, narrowed by `search`."""
        query = self.query(session, viewer)
        return query.where(self.matches(search)) if search else query

    def table(self, session: Session, viewer: Viewer, search: Search) -> files.Table:
        """Every row of the list as an export writes it, read from the database in
        batches as the writer goes (a large list is never all in memory as objects)."""
        query = self.select(session, viewer, search).execution_options(
            yield_per=EXPORT_BATCH)
        rows = (self.cells(row, viewer) for row in session.execute(query))
        return files.Table(viewer.say(self.title), [viewer.say(h) for h in self.headings],
                           rows)

    def export(self, session: Session, viewer: Viewer, search: Search,
               filters: dict[str, str]) -> tuple[int, files.Table]:
        """How many rows an export of the list holds, and the table to write."""
        return (paging.count(session, self.select(session, viewer, search)),
                self.table(session, viewer, search))


Build = Callable[[Session, Viewer, dict[str, str]],
                 tuple[Sequence[str], Iterable[Sequence[Any]]]]


@dataclass(frozen=True)
class Computed:
    """A table a function computes (a dashboard's: counts per day, a call-back list)
    rather than a query the console pages through: `build(session, viewer, filters)`
    returns its headings (as shown) and rows, for the page's `filters` (the form fields
    named in `filters`, posted with the export). It exports like any list."""

    name: str
    roles: tuple[str, ...]
    title: str                                   # string key of its name
    build: Build
    page: str = "hotline.home"                   # the endpoint of its page
    filters: tuple[str, ...] = ()

    def export(self, session: Session, viewer: Viewer, search: Search,
               filters: dict[str, str]) -> tuple[int, files.Table]:
        """How many rows an export of the table holds, and the table to write."""
        headings, rows = self.build(session, viewer, filters)
        rows = list(rows)
        return len(rows), files.Table(viewer.say(self.title), list(headings), rows)


def _day_start(viewer: Viewer) -> datetime:
    return datetime.combine(viewer.day, time.min, viewer.tz)


# --- the roster ----------------------------------------------------------------------

def _roster(session: Session, viewer: Viewer) -> Any:
    query = (select(QuarantineCase, HealthReport)
             .outerjoin(HealthReport, (HealthReport.case_id == QuarantineCase.id)
                        & (HealthReport.report_date == viewer.day))
             .where(QuarantineCase.manager_id == viewer.user_id,
                    QuarantineCase.status == "active")
             .order_by(QuarantineCase.alert.desc(), QuarantineCase.end_date,
                       QuarantineCase.id))
    return areas.limit(query, QuarantineCase, viewer.area)


def _roster_matches(search: Search) -> Any:
    if search.phone or search.digits:
        facility = select(Venue.id).where(Venue.code == search.digits)
        return or_(search.on_phone(QuarantineCase.phone),
                   QuarantineCase.venue_id.in_(facility) if search.digits else false())
    return search.in_folded(QuarantineCase.search_folded)


def _roster_cells(row: Any, viewer: Viewer) -> Sequence[Any]:
    case, report = row
    return (case.full_name, case.phone or viewer.say("team.no_phone"),
            viewer.say(f"kind.{case.kind}"),
            case.start_date, case.end_date, (case.end_date - viewer.day).days + 1,
            viewer.say("yes") if case.alert else "",
            catalogs.health(viewer.language, tuple(report.symptoms or ()), report.temperature)
            if report else viewer.say("roster.not_reported"))


# --- today's visitors at a venue staff member's venues --------------------------------

def _visitors(session: Session, viewer: Viewer) -> Any:
    return (select(Visit, Venue.name, Declaration.full_name)
            .join(Venue, Venue.id == Visit.venue_id)
            .outerjoin(Declaration, Declaration.id == Visit.declaration_id)
            .where(Visit.venue_id.in_(viewer.venue_ids),
                   Visit.checked_in_at >= _day_start(viewer))
            .order_by(Visit.checked_in_at.desc(), Visit.id.desc()))


def _visitors_matches(search: Search) -> Any:
    if search.phone or search.digits:
        return search.on_phone(Visit.phone)
    return Declaration.full_name.icontains(search.text, autoescape=True)


def _visitors_cells(row: Any, viewer: Viewer) -> Sequence[Any]:
    visit, venue_name, full_name = row
    # The page shows a visitor's number masked: so does the file.
    return (viewer.local(visit.checked_in_at), full_name or "", mask(visit.phone),
            venue_name, viewer.local(visit.checked_out_at), visit.channel)


# --- every visit of one venue (administrators) -----------------------------------------

def _venue_visits(session: Session, viewer: Viewer) -> Any:
    return (select(Visit, Venue.name, Declaration.full_name)
            .join(Venue, Venue.id == Visit.venue_id)
            .outerjoin(Declaration, Declaration.id == Visit.declaration_id)
            .where(Venue.code == viewer.scope)
            .order_by(Visit.checked_in_at.desc(), Visit.id.desc()))


def _venue_visits_cells(row: Any, viewer: Viewer) -> Sequence[Any]:
    visit, _, full_name = row
    # Administrators trace contacts: they see whole numbers, as in the audit log.
    return (viewer.local(visit.checked_in_at), full_name or "", visit.phone,
            viewer.local(visit.checked_out_at), visit.channel, visit.operator or "")


# --- users, venues and the audit log (administrators) ---------------------------------

def _users(session: Session, viewer: Viewer) -> Any:
    return select(User).order_by(User.role, User.username, User.id)


def _users_matches(search: Search) -> Any:
    return or_(search.in_folded(User.search_folded),
               User.role == search.text.lower(),
               search.on_phone(User.phone))


def _users_cells(row: Any, viewer: Viewer) -> Sequence[Any]:
    user = row[0]
    return (user.username, user.display_name, viewer.say(f"role.{user.role}"),
            user.phone or "", viewer.say("yes") if user.active else viewer.say("no"),
            viewer.local(user.created_at))


def _venues(session: Session, viewer: Viewer) -> Any:
    return select(Venue).order_by(Venue.id.desc())


def _venues_matches(search: Search) -> Any:
    if search.digits:
        return or_(Venue.code.startswith(search.digits, autoescape=True),
                   search.on_phone(Venue.contact_phone))
    return or_(search.in_folded(Venue.search_folded),
               Venue.kind == search.text.lower(),
               search.on_phone(Venue.contact_phone))


def _venues_cells(row: Any, viewer: Viewer) -> Sequence[Any]:
    venue = row[0]
    return (venue.code, venue.name, viewer.say(f"venue.kind.{venue.kind}"), venue.street,
            venue.ward_name,
            venue.province_name, viewer.say("yes") if venue.active else viewer.say("no"))


def _audit(session: Session, viewer: Viewer) -> Any:
    return select(AuditEntry).order_by(AuditEntry.id.desc())


def _audit_matches(search: Search) -> Any:
    if search.phone or search.digits:
        return search.on_phone(AuditEntry.phone)
    # The folded text holds the user, the action ('case.enrol' folds to 'case enrol',
    # as the term does) and the detail: one indexed condition.
    return search.in_folded(AuditEntry.search_folded)


def _audit_cells(row: Any, viewer: Viewer) -> Sequence[Any]:
    entry = row[0]
    words = audit_words.Words(viewer.say, viewer.say_n)
    return (viewer.local(entry.created_at, "%Y-%m-%d %H:%M:%S"), entry.username,
            audit_words.action(entry.action, words, list_titles()), entry.action,
            entry.phone or "", audit_words.detail(entry.detail, words))


LISTINGS: dict[str, Listing | Computed] = {
    "roster": Listing(
        "roster", ("manager",), "nav.roster", _roster, _roster_matches,
        ("col.name", "col.phone", "col.kind", "col.start", "col.end", "col.days_left",
         "roster.alert", "col.report"), _roster_cells, page="hotline.roster"),
    "visitors": Listing(
        "visitors", ("venue_staff",), "staff.visitors_title", _visitors, _visitors_matches,
        ("col.time", "col.name", "col.phone", "col.venue", "col.out", "col.channel"),
        _visitors_cells, page="hotline.staff_visitors"),
    "venue_visits": Listing(
        "venue_visits", ("admin",), "venue.visits_title", _venue_visits, _visitors_matches,
        ("col.time", "col.name", "col.phone", "col.out", "col.channel", "col.operator"),
        _venue_visits_cells, page="hotline.venue_visits"),
    "users": Listing(
        "users", ("admin",), "admin.users_title", _users, _users_matches,
        ("col.username", "admin.display_name", "col.role", "col.phone", "col.active",
         "col.created"), _users_cells, page="hotline.admin_users"),
    "venues": Listing(
        "venues", ("admin",), "venue.title", _venues, _venues_matches,
        ("col.code", "venue.name", "venue.kind", "venue.street", "venue.ward",
         "venue.province", "col.active"), _venues_cells, page="hotline.admin_venues"),
    "audit": Listing(
        "audit", ("admin",), "admin.audit_title", _audit, _audit_matches,
        ("col.time", "col.user", "col.action", "col.action_name", "col.phone", "col.detail"),
        _audit_cells,
        page="hotline.admin_audit"),
}
# The dashboard's tables, each with the page's filters (hotline/dashboard_exports.py).
LISTINGS.update({
    name: Computed(name, roles, title, dashboard_exports.build(figure),
                   page="hotline.dashboard", filters=dashboard_exports.FILTERS)
    for name, (roles, title, figure) in dashboard_exports.TABLES.items()})


def list_titles() -> dict[str, str]:
    """Each list's name → the key of its title (an export's audit entry names it)."""
    return {name: listing.title for name, listing in LISTINGS.items()}


def viewer_of(session: Session, user: User, day: date, tz: ZoneInfo, language: str,
              scope: str = "") -> Viewer:
    """The viewer `user` is today: their area and (venue staff) venues as stored now;
    `scope` names the record a list is of (a venue's code)."""
    venue_ids = tuple(v.id for v in accounts.venues_of(session, user.id)) \
        if user.role == "venue_staff" else ()
    return Viewer(user.id, user.role, areas.of(session, user_id=user.id), venue_ids, day,
                  tz, language, scope)
