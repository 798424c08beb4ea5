"""A community team member's pages: the residents of their area with today's report,
a page at a time, and adding a resident — with a phone, to an isolation area of the
member's area; without, to such an area or between dates under a manager (the rules
are `gateway.quarantine.residents`'). Reporting for a resident is
`hotline.team_report`. Who the residents are is decided in one place,
`gateway.store.residents`; a member always has an area (accounts.AREA_NEEDED)."""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for

from gateway.flows.report import describe
from gateway.quarantine import residents as rules
from gateway.store import areas
from gateway.store import residents as store
from gateway.store.models import HealthReport, IsolationArea
from hotline import audit, paging
from hotline.auth import requires
from hotline.cases import _date
from hotline.web import bp, language, page, t, today, unit

ROLE = "community_team"


def team_area(db) -> areas.Area:
    """The signed-in member's area. An account without one (an administrator lifted
    it by hand) sees nothing rather than the whole country."""
    area = areas.of(db, user_id=g.user.id)
    if area is None:
        abort(403)
    return area


def said(report: HealthReport | None) -> str:
    """A report as the team's pages show it: what was reported, in the console's
    language ('' for none)."""
    if report is None:
        return ""
    return describe(tuple(report.symptoms or ()), report.temperature, language())


# A template global: the marks of hotline/_team.html show it on the managers' pages too.
@bp.app_template_global()
def relation_label(relation: str) -> str:
    """A report's relation as the console says it: a listed one in the console's
    language, a member's own words as they wrote them."""
    return t(f"team.relation.{relation}") if relation in rules.RELATIONS else relation


@bp.get("/team")
@requires(ROLE)
def team_residents():
    """The residents of the member's area, by name, with today's report or its absence."""
    day = today()
    with unit() as db:
        area = team_area(db)
        found = paging.fetch(db, store.roster(area, day), paging.number(request.args.get("page")))
        audit.record(db, g.user, "team.view", None,
                     f"{area.describe()}: page {found.number}, {found.total} residents")
        db.flush()
        db.expunge_all()  # the page reads the rows after the transaction ends
    return page("team_residents.html", result=found, rows=found.rows, day=day,
                area=area.describe(), said=said)


@bp.route("/team/residents/new", methods=["GET", "POST"])
@requires(ROLE)
def team_add():
    """Add a resident: with a phone, to an active isolation area of the member's area
    (they join it as by `KV`); without, by name, year of birth and address, to such an
    area or between dates under a manager of the area."""
    day = today()
    with unit() as db:
        area = team_area(db)
        choices = [(user.id, user.display_name or user.username)
                   for user in store.managers(db, area)]
        isolated = [(found.id, _area_label(found))
                    for found in store.isolation_areas(db, area, day)]
    context = {"managers": choices, "isolation_areas": isolated}
    if request.method == "GET":
        values = {"start": day.isoformat(),
                  "manager": str(choices[0][0]) if len(choices) == 1 else "",
                  "area": str(isolated[0][0]) if len(isolated) == 1 else ""}
        return page("team_add.html", values=values, errors={}, **context)
    values = {k: request.form.get(k, "").strip()
              for k in ("name", "phone", "area", "birth_year", "address", "start", "end",
                        "manager")}
    newcomer = rules.Newcomer(values["name"], values["birth_year"], values["address"],
                              _id(values["manager"]), _date(values["start"]),
                              _date(values["end"]), values["phone"], _id(values["area"]))
    errors = {refused.field: t(f"team.error.{refused.reason}")
              for refused in rules.refusals(newcomer, day.year)}
    if errors:  # every detail's problem at once; the look-ups' refusals come after
        return page("team_add.html", 400, values=values, errors=errors, **context)
    try:
        with unit() as db:
            if newcomer.phone:
                said = _joined(db, newcomer, day)
            else:
                case = rules.add(db, newcomer, area=team_area(db), operator=g.user.username,
                                 today=day)
                audit.record(db, g.user, "team.resident_add", None,
                             f"case {case.id}: no phone, manager #{case.manager_id}"
                             + (f", area #{case.area_id}" if case.area_id else ""))
                said = ("success", t("team.added", name=case.full_name))
    except rules.ResidentError as error:
        errors = {error.field: t(f"team.error.{error.reason}")}
        return page("team_add.html", 400, values=values, errors=errors, **context)
    flash(said[1], said[0])
    return redirect(url_for("hotline.team_residents"))


# What a join did (as the audit entry says it) → the flash's category and text key.
JOIN_OUTCOMES = {"joined": ("success", "glue17.joined"),
                 "already in the area": ("info", "glue17.already_in"),
                 "own case": ("warning", "glue17.own_case")}


def _joined(db, newcomer: rules.Newcomer, day) -> tuple[str, str]:
    """A resident with a phone joins the chosen area (audited with the phone): the
    flash that says what happened — joined, already a resident, or on their own case."""
    joined = rules.join_area(db, newcomer, area=team_area(db), operator=g.user.username,
                             today=day)
    case = joined.case
    code = db.get(IsolationArea, newcomer.area_id).code  # in the session: the join read it
    outcome = ("joined" if joined.created else
               "already in the area" if case.area_id == newcomer.area_id else "own case")
    audit.record(db, g.user, "team.resident_join", case.phone,
                 f"case {case.id}: area {code}, {outcome}")
    category, key = JOIN_OUTCOMES[outcome]
    return category, t(key, name=case.full_name, code=code)


def _id(text: str) -> int | None:
    """A posted record id, or None for anything that is not one."""
    return int(text) if text.isdigit() and len(text) < 10 else None


def _area_label(found: IsolationArea) -> str:
    """An isolation area as the form offers it: its code, street and commune."""
    place = ", ".join(part for part in (found.street, found.ward_name) if part)
    return f"{found.code} · {place}"
