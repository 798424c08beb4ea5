"""Administrators: console users (with the area a manager is limited to), API tokens
of the records API, and the audit log."""

from __future__ import annotations

from flask import flash, g, redirect, request, url_for

from gateway.addresses import PROVINCES
from gateway.phones import InvalidPhone, normalise
from gateway.store import areas, tokens
from gateway.store.models import User
from hotline import accounts, audit_words, browse, lists, paging
from hotline.auth import requires
from hotline.web import bp, page, t, tn, unit

USER_FIELDS = ("username", "display_name", "role", "phone", "venues", "password", "province",
               "communes")
# The province list of the area fields, by official code (the value areas.parse reads).
AREA_PROVINCES = [(str(p.code.value), p.name) for p in PROVINCES]


def _users_page(status: int = 200, values: dict | None = None, errors: dict | None = None,
                term: lists.Search | None = None):
    term = term or lists.Search()
    with unit() as db:
        result, _ = browse.page_of(db, "users", term)
        users = [row[0] for row in result.rows]
        bound = {u.id: ", ".join(v.code for v in accounts.venues_of(db, u.id))
                 for u in users if u.role == "venue_staff"}
        limits = {user_id: area.describe()
                  for user_id, area in areas.of_users(db, (u.id for u in users)).items()}
    return page("admin_users.html", status, users=users, result=result, term=term,
                bound=bound, roles=accounts.ROLES,
                values=values or {"role": "operator"}, errors=errors or {}, limits=limits,
                provinces=AREA_PROVINCES, area_roles=accounts.AREA_ROLES)


def _area(province: str, communes: str) -> areas.Area | None:
    """The area the form names (None: no limit); a refusal names its field."""
    names = [c for c in communes.replace(";", ",").split(",") if c.strip()]
    if not province:
        if names:
            raise accounts.AccountError("province", "error.area_province_needed")
        return None
    try:
        return areas.parse(province, names)
    except areas.AreaError as error:
        field = "province" if error.field == "province" else "communes"
        raise accounts.AccountError(field, f"error.area_{error.field}",
                                    text=error.text) from None


@bp.route("/admin/users", methods=["GET", "POST"])
@requires("admin")
def admin_users():
    """Every user, and a form to create one."""
    if request.method == "GET":
        return _users_page()
    values = {k: request.form.get(k, "").strip() for k in USER_FIELDS}
    values["password"] = request.form.get("password", "")  # spaces are part of it
    try:
        area = _area(values["province"], values["communes"])
        with unit() as db:
            made = accounts.create(db, username=values["username"], role=values["role"],
                                   password=values["password"], phone=values["phone"],
                                   venue_codes=tuple(values["venues"].replace(",", " ").split()),
                                   display_name=values["display_name"], area=area)
            name = made.username
    except accounts.AccountError as error:
        values["password"] = ""  # never sent back to the browser
        return _users_page(400, values, {error.field: t(error.key, **error.vars)})
    flash(t("admin.user_created", username=name), "success")
    return redirect(url_for("hotline.admin_users"))


@bp.post("/admin/users/search")
@requires("admin")
def admin_users_search():
    """The users narrowed by a posted search (username, name, role or phone)."""
    return _users_page(term=browse.search())


@bp.post("/admin/users/<int:user_id>")
@requires("admin")
def admin_user_change(user_id: int):
    """Deactivate, activate, unlock a user, set a new password, or change the area a
    manager is limited to."""
    action = request.form.get("action", "")
    try:
        with unit() as db:
            user = db.get(User, user_id)
            if user is None:
                return page("error.html", 404, message=t("error.not_found"))
            if action == "deactivate" and user.id == g.user.id:
                raise accounts.AccountError("action", "admin.not_yourself")
            if action in ("deactivate", "activate"):
                user.active = action == "activate"
            elif action == "unlock":
                accounts.unlock(user)
            elif action == "password":
                accounts.set_password(user, request.form.get("password", ""))
            elif action == "area":
                area = _area(request.form.get("province", "").strip(),
                             request.form.get("communes", ""))
                accounts.check_area_role(user.role, area)
                areas.assign(db, area, user_id=user.id)
            else:
                raise accounts.AccountError("action", "error.required")
            name = user.username
    except accounts.AccountError as error:
        flash(t(error.key, **error.vars), "error")
        return redirect(url_for("hotline.admin_users"))
    flash(t(f"admin.user_{action}", username=name), "success")
    return redirect(url_for("hotline.admin_users"))


@bp.route("/admin/tokens", methods=["GET", "POST"])
@requires("admin")
def admin_tokens():
    """API tokens: create one (its secret is shown once), see them all."""
    values, errors, secret, status = {"scopes": ["read"]}, {}, None, 200
    if request.method == "POST":
        values = {"name": request.form.get("name", "").strip(),
                  "scopes": request.form.getlist("scopes"),
                  "province": request.form.get("province", "").strip(),
                  "communes": request.form.get("communes", "")}
        try:
            area = _area(values["province"], values["communes"])
            with unit() as db:
                made, secret = tokens.create(db, values["name"], tuple(values["scopes"]))
                areas.assign(db, area, token_id=made.id)
        except tokens.TokenError as error:
            errors, status = {"name": str(error)}, 400
        except accounts.AccountError as error:
            errors, status = {error.field: t(error.key, **error.vars)}, 400
    with unit() as db:
        listed = tokens.all_tokens(db)
        limits = {token_id: area.describe()
                  for token_id, area in areas.of_tokens(db, (k.id for k in listed)).items()}
    return page("admin_tokens.html", status, tokens=listed, scopes=tokens.SCOPES,
                values=values, errors=errors, secret=secret, limits=limits,
                provinces=AREA_PROVINCES)


@bp.post("/admin/tokens/revoke")
@requires("admin")
def admin_token_revoke():
    """Revoke a token by name."""
    name = request.form.get("name", "")
    try:
        with unit() as db:
            tokens.revoke(db, name)
    except tokens.TokenError as error:
        flash(str(error), "error")
    else:
        flash(t("admin.token_revoked", name=name), "success")
    return redirect(url_for("hotline.admin_tokens"))


@bp.route("/admin/audit", methods=["GET", "POST"])
@requires("admin")
def admin_audit():
    """The audit log, newest first, a page at a time; narrowed by a posted search (an
    action, a user, a phone or its last digits) or a posted `phone`, which must be a
    whole number."""
    typed = request.form.get("phone", "").strip()
    term = browse.search()
    if typed:
        try:
            term = lists.Search.read(normalise(typed))
        except InvalidPhone:
            return page("audit.html", 400, entries=[], result=paging.Page([], 1, 1, 0), term=term,
                        values={"phone": typed}, errors={"phone": t("error.phone")})
    with unit() as db:
        result, _ = browse.page_of(db, "audit", term)
    words = audit_words.Words(t, tn)
    titles = lists.list_titles()
    return page("audit.html", entries=[row[0] for row in result.rows], result=result,
                term=term, values={"phone": typed}, errors={},
                audit_action=lambda name: audit_words.action(name, words, titles),
                audit_detail=lambda text: audit_words.detail(text, words))
