"""`gateway user …`: staff accounts created from the command line, with their console
access: the sign-in password (read from standard input or asked for, never an
argument that would land in shell history), the venues a venue_staff user checks
visitors in at, and the area (`--province`, `--commune`) a manager is limited to and
a health officer must have.
The app factory adds the group to the `gateway` command line."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from gateway import runtime
from gateway.cli.areas import area_options, parse_area
from gateway.phones import InvalidPhone, mask, normalise
from gateway.store import areas, users
from gateway.store.db import transaction
from gateway.store.models import User
from hotline import accounts, catalogs

user = AppGroup("user", help="Staff accounts: operators, venue staff, quarantine managers, health "
                           "officers.")


@user.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(accounts.ROLES), required=True)
@click.option("--phone", help="Mobile number; managers need one for alerts and digests.")
@click.option("--name", "display_name", default="", help="Name shown to colleagues.")
@click.option("--venue", "venue_codes", multiple=True,
              help="Venue code a venue_staff user checks visitors in at (repeatable).")
@click.option("--password-stdin", is_flag=True,
              help="Read the console password from the first line of standard input.")
@area_options
def user_create(username: str, role: str, phone: str | None, display_name: str,
                venue_codes: tuple[str, ...], password_stdin: bool, province: str | None,
                communes: tuple[str, ...]) -> None:
    """Create a staff account and its console password (asked for on a terminal)."""
    if not accounts.USERNAME.match(username):
        raise click.BadParameter("2-60 lower-case letters, digits, '.', '_' or '-'",
                                 param_hint="USERNAME")
    if role == "manager" and not phone:
        raise click.BadParameter("a manager needs a phone for alerts and digests",
                                 param_hint="--phone")
    try:
        number = normalise(phone) if phone else None
    except InvalidPhone as error:
        raise click.BadParameter(str(error), param_hint="--phone") from None
    area = parse_area(province, communes)
    if area is not None and role not in accounts.AREA_ROLES:
        raise click.BadParameter(f"an area limits only {', '.join(accounts.AREA_ROLES)} "
                                 "accounts", param_hint="--province")
    if area is None and role in accounts.AREA_NEEDED:
        raise click.BadParameter(f"a {role} needs an area: give --province (a national "
                                 "view is an admin's)", param_hint="--province")
    password = read_password(password_stdin)
    with transaction(runtime.current().sessions) as session:
        if users.by_username(session, username) is not None:
            raise click.ClickException(f"user {username!r} already exists")
        created = users.create(session, username=username, role=role, phone=number,
                               display_name=" ".join(display_name.split()))
        grant(session, created, password, venue_codes)
        areas.assign(session, area, user_id=created.id)
    click.echo(f"created user {username} (#{created.id}, {role}"
               + (f", {mask(number)}" if number else "")
               + (f", limited to {area.describe()})" if area else ")"))


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


def grant(session: Session, account: User, password: str | None,
          venue_codes: tuple[str, ...]) -> None:
    """Give a new user their password and venues; a refusal names the option."""
    try:
        if password is not None:
            accounts.set_password(account, password)
        places = accounts.venues_by_code(session, venue_codes)
    except accounts.AccountError as error:
        hint = "--password-stdin" if error.field == "password" else "--venue"
        raise click.BadParameter(_english(error), param_hint=hint) from None
    if account.role == "venue_staff" and not places:
        raise click.BadParameter("venue staff need at least one venue code",
                                 param_hint="--venue")
    accounts.bind_venues(session, account, places)


def _english(error) -> str:
    return catalogs.say("en", error.key, **error.vars)
