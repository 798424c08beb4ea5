"""Console access for `gateway user create`: the sign-in password (read from standard
input or asked for, never an argument that would land in shell history) and the
venues a venue_staff user checks visitors in at."""

from __future__ import annotations

import sys

import click
from sqlalchemy.orm import Session

from gateway.store.models import User


def read_password(from_stdin: bool) -> str | None:
    """The console password: the first line of standard input with --password-stdin,
    else asked for on a terminal; None (no console sign-in) when neither."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = click.prompt("Console password (empty: no console sign-in)", default="",
                                hide_input=True, confirmation_prompt=True,
                                show_default=False)
    else:
        return None
    return password or None


def grant(session: Session, user: User, password: str | None,
          venue_codes: tuple[str, ...]) -> None:
    """Give a new user their password and venues; a refusal names the option."""
    from hotline import accounts
    try:
        if password is not None:
            accounts.set_password(user, password)
        places = accounts.venues_by_code(session, venue_codes)
    except accounts.AccountError as error:
        hint = "--password-stdin" if error.field == "password" else "--venue"
        raise click.BadParameter(_english(error), param_hint=hint) from None
    if user.role == "venue_staff" and not places:
        raise click.BadParameter("venue staff need at least one venue code",
                                 param_hint="--venue")
    accounts.bind_venues(session, user, places)


def _english(error) -> str:
    from hotline.strings import STRINGS
    return STRINGS[error.key][1].format(**error.vars)
