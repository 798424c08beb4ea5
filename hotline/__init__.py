"""The 1022 hotline console: a Flask blueprint under /hotline where operators act on a
caller's behalf, venue staff check visitors in, quarantine managers follow their
cases, health officers see their locality's dashboard, community teams report for
their area's residents, and administrators manage users, venues, API tokens and the
audit log.

Server-rendered pages in Vietnamese (English on a switch). Every form carries a CSRF
token; the session cookie is HttpOnly, SameSite=Lax and Secure outside debug, tests
and the demo; console sessions live in Redis and end after `HOTLINE_IDLE_MINUTES`
unused (default 15).
"""

from __future__ import annotations

import os

from flask import Flask, request
from flask_babel import Babel
from flask_wtf.csrf import CSRFError, CSRFProtect

from gateway import runtime
from gateway.config import ConfigError
from gateway.edge.headers import SECURITY_HEADERS
from gateway.edge.inputs import refused_character, shown
from gateway.phones import mask
from hotline import catalogs
from hotline.web import bp, health, language, local, page, symptom, t, tn

IDLE_MINUTES = 15
csrf = CSRFProtect()


def idle_minutes(environ=os.environ) -> int:
    """HOTLINE_IDLE_MINUTES: how long a console session may stay unused."""
    raw = environ.get("HOTLINE_IDLE_MINUTES", "").strip()
    if not raw:
        return IDLE_MINUTES
    if not raw.isdigit() or int(raw) <= 0:
        raise ConfigError(f"HOTLINE_IDLE_MINUTES must be a positive whole number, not {raw!r}")
    return int(raw)


def init_app(app: Flask) -> None:
    """Register the console on the gateway's app."""
    demo = runtime.of(app).config.demo
    app.config.setdefault("HOTLINE_IDLE_SECONDS", idle_minutes() * 60)
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      # The check is the console's own (below): webhooks and the API
                      # take no browser forms and must not ask for a token.
                      WTF_CSRF_CHECK_DEFAULT=False)
    # Flask's default is False, so this is set, not defaulted; the demo runs on plain http.
    app.config["SESSION_COOKIE_SECURE"] = not (app.debug or app.testing or demo)
    csrf.init_app(app)
    # The console's words are gettext catalogs; the locale is the session's language.
    Babel(app, locale_selector=language, default_locale=catalogs.LANGUAGES[0],
          default_translation_directories=str(catalogs.DIRECTORY),
          default_domain=catalogs.DOMAIN)
    app.jinja_env.globals.update(t=t, tn=tn, local=local, mask=mask, language=language,
                                 symptom=symptom, health=health)
    app.register_blueprint(bp)


@bp.before_request
def _guard():
    # CSRF first: a forged sign-in or sign-out is refused before anything happens.
    if request.method == "POST":
        csrf.protect()
    refused = _refused_field()
    if refused:
        return page("error.html", 400, message=t("error.characters", field=refused[0],
                                                  reason=refused[1]))
    auth.load_user()
    return None


def _refused_field() -> tuple[str, str] | None:
    """The first form or query field holding a character no field may (a NUL, which
    PostgreSQL refuses, or another control character): its name and why."""
    for name, value in [*request.args.items(multi=True), *request.form.items(multi=True)]:
        reason = refused_character(name) or refused_character(value)
        if reason:
            return shown(name), reason
    return None


@bp.after_request
def _headers(response):
    # Every console response, not only HTML (the app adds them to HTML elsewhere):
    # QR codes and posters show a venue, and must not be cached or framed either.
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


@bp.errorhandler(CSRFError)
def _csrf_failed(error: CSRFError):
    return page("error.html", 400, message=t("error.csrf"))


# The views register their routes on `bp` when imported.
from hotline import (  # noqa: E402, F401
    admin,
    admin_venues,
    auth,
    caller,
    case_page,
    cases,
    dashboard,
    data_requests,
    declare,
    exports,
    exposures,
    isolation_areas,
    places,
    report,
    staff,
    team,
    team_report,
)
