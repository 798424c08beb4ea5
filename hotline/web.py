"""What every console page shares: the blueprint, database units of work, the console
language and page rendering."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from flask import Blueprint, g, render_template, session
from flask_babel import get_translations
from sqlalchemy.orm import Session

from gateway import runtime
from gateway.flows import symptoms
from gateway.store.db import transaction
from gateway.text import DEFAULT_LANGUAGE
from hotline import catalogs

bp = Blueprint("hotline", __name__, url_prefix="/hotline", template_folder="templates",
               static_folder="static", static_url_path="/static")

LANGUAGES = catalogs.LANGUAGES


@contextmanager
def unit() -> Iterator[Session]:
    """One short transaction: commit on success, roll back on any error."""
    with transaction(runtime.current().sessions) as db:
        yield db


def language() -> str:
    """The console language chosen in this browser session (Vietnamese by default)."""
    chosen = session.get("lang")
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, **variables: Any) -> str:
    """The console text `key` in the session's language (gettext through Flask-Babel,
    whose locale is `language()`), variables filled in. Venue staff get a key's
    `.staff` wording where it has one: the pages they share with operators (the code,
    the declaration) speak of a visitor, not a caller."""
    key = catalogs.variant(key, _role())
    return catalogs.fill(get_translations().gettext(key), variables)


def tn(key: str, n: int, **variables: Any) -> str:
    """The counted console text `key` for `n` in the session's language: the catalog's
    plural form for `n` ("1 day", "2 days"), variables filled in."""
    key = catalogs.variant(key, _role())
    return catalogs.fill(get_translations().ngettext(key, key, n), variables)


def _role() -> str | None:
    user = g.get("user")
    return user.role if user is not None else None


def symptom(number: int) -> str:
    """A symptom's name as the console shows it (the one symptom table), in the
    session's language."""
    return symptoms.console(number, language())


def health(numbers: Sequence[int], temperature: float | None) -> str:
    """A day's health report in the session's language ('Sốt, Khó thở, 39.5 °C')."""
    return catalogs.health(language(), numbers, temperature)


def local(moment: datetime | None, fmt: str = "%H:%M %d/%m/%Y") -> str:
    """A moment in the gateway's local time ('' for none)."""
    if moment is None:
        return ""
    return moment.astimezone(runtime.current().config.tz).strftime(fmt)


def today() -> date:
    """Today's date in the gateway's timezone."""
    return datetime.now(runtime.current().config.tz).date()


def page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    """Render a console page (the signed-in user, if any, is in `g.user`)."""
    return render_template(f"hotline/{template}", user=g.get("user"), **context), status
