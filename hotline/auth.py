"""Signing in and out, console sessions and who may open which page.

A console session lives in Redis (`hotline:session:{sid}`); the browser's cookie
(signed, HttpOnly, SameSite=Lax, Secure outside debug and tests) carries only its
random id, the CSRF secret and the language. So logging out, an idle timeout or a
deactivated account ends the session on the server, whatever the browser keeps.
Sign-in attempts are limited per account (lock-out, see `accounts`) and per client
address (a Redis counter), so neither one password nor many accounts can be guessed.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, flash, g, redirect, request, session, url_for

from gateway import runtime
from gateway.store.models import User
from hotline import accounts, calls
from hotline.web import bp, page, t, tn, unit

SESSION_KEY = "hotline:session:{}"
IP_KEY = "hotline:login:ip:{}"
IP_WINDOW_SECONDS = 15 * 60
IP_MAX_FAILURES = 20          # a call centre shares one address: count failures only
MAX_SESSION_SECONDS = 12 * 3600  # one shift, however active
HOME = {"operator": "hotline.call_start", "venue_staff": "hotline.staff_home",
        "manager": "hotline.roster", "health_officer": "hotline.dashboard",
        "admin": "hotline.admin_users", "community_team": "hotline.team_residents"}


def idle_seconds() -> int:
    """How long a console session may stay unused."""
    return int(current_app.config["HOTLINE_IDLE_SECONDS"])


def requires(*roles: str) -> Callable:
    """Only signed-in users with one of `roles` may open the view: others are sent to
    the sign-in page (signed out) or refused with 403 (another role)."""
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if g.get("user") is None:
                if g.get("expired"):
                    flash(t("auth.expired"), "warning")
                return redirect(url_for("hotline.login"))
            if g.user.role not in roles:
                return page("error.html", 403, message=t("error.forbidden"))
            return view(*args, **kwargs)
        guarded.roles = roles  # read by the role × route test and the navigation
        return guarded
    return decorate


def anyone(view: Callable) -> Callable:
    """Mark a view open to everyone, signed in or not."""
    view.roles = ()
    return view


def load_user() -> None:
    """Before each console request: find the signed-in user, or note an expired session."""
    sid = session.get("sid")
    if not sid:
        return
    redis = runtime.current().redis
    raw = redis.get(SESSION_KEY.format(sid))
    now = time.time()
    data = json.loads(raw) if raw else None
    if (data is None or now - data["seen"] > idle_seconds()
            or now - data["started"] > MAX_SESSION_SECONDS):
        end_session()
        g.expired = True
        return
    with runtime.current().sessions() as db:
        user = db.get(User, data["user_id"])
    if user is None or not user.active:
        end_session()
        return
    data["seen"] = now
    redis.set(SESSION_KEY.format(sid), json.dumps(data), ex=idle_seconds())
    g.user, g.sid = user, sid


def end_session() -> None:
    """Forget the console session on the server and in the cookie (keeps the language)."""
    sid = session.get("sid")
    if sid:
        runtime.current().redis.delete(SESSION_KEY.format(sid), calls.CALL_KEY.format(sid))
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def _start_session(user: User) -> None:
    end_session()  # a new id at sign-in: a planted cookie (session fixation) is useless
    sid = secrets.token_urlsafe(32)
    now = time.time()
    runtime.current().redis.set(SESSION_KEY.format(sid),
                                json.dumps({"user_id": user.id, "started": now, "seen": now}),
                                ex=idle_seconds())
    session["sid"] = sid


def _address_blocked() -> bool:
    count = runtime.current().redis.get(IP_KEY.format(request.remote_addr))
    return int(count or 0) >= IP_MAX_FAILURES


def _count_failure() -> None:
    key = IP_KEY.format(request.remote_addr)
    redis = runtime.current().redis
    if redis.incr(key) == 1:
        redis.expire(key, IP_WINDOW_SECONDS)


@bp.route("/login", methods=["GET", "POST"])
@anyone
def login():
    """The sign-in page."""
    if g.get("user") is not None:
        return redirect(url_for(HOME[g.user.role]))
    values, errors = {"username": ""}, {}
    if request.method == "GET":
        return page("login.html", values=values, errors=errors)
    values["username"] = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    if not values["username"]:
        errors["username"] = t("error.required")
    if not password:
        errors["password"] = t("error.required")
    if errors:
        return page("login.html", 400, values=values, errors=errors)
    if _address_blocked():
        return page("login.html", 429, values=values, errors={
            "form": tn("auth.too_many", IP_WINDOW_SECONDS // 60,
                       minutes=IP_WINDOW_SECONDS // 60)})
    with unit() as db:
        result = accounts.authenticate(db, values["username"], password)
    # A locked account gets exactly the answer of a wrong password: telling them apart
    # would tell an attacker which usernames exist (and which ones they locked).
    if result.status != "ok":
        _count_failure()
        return page("login.html", 401, values=values, errors={"form": tn(
            "auth.wrong", accounts.LOCK_MINUTES, tries=accounts.MAX_FAILED,
            minutes=accounts.LOCK_MINUTES)})
    _start_session(result.user)
    return redirect(url_for(HOME[result.user.role]))


@bp.post("/logout")
@anyone
def logout():
    """Sign out: the session ends on the server too."""
    end_session()
    flash(t("auth.logged_out"), "info")
    return redirect(url_for("hotline.login"))


@bp.get("/")
@anyone
def home():
    """The signed-in user's start page."""
    if g.get("user") is None:
        return redirect(url_for("hotline.login"))
    return redirect(url_for(HOME[g.user.role]))


@bp.post("/language")
@anyone
def switch_language():
    """Switch the console between Vietnamese and English, back to the same page."""
    chosen = request.form.get("lang")
    if chosen in ("vi", "en"):
        session["lang"] = chosen
    target = request.form.get("next", "")
    # Only a path of this console: never an open redirect to another site.
    if not target.startswith("/hotline/") or target.startswith("//"):
        target = url_for("hotline.home")
    return redirect(target)
