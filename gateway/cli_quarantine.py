"""`gateway user …`, `gateway quarantine …` and `gateway reminders …`: staff accounts,
enrolling people in quarantine, a manager's digest, and running a scheduled
quarantine run by hand."""

from __future__ import annotations

import json
import re
from datetime import date, datetime

import click
from flask import current_app
from flask.cli import AppGroup

from gateway.phones import InvalidPhone, mask, normalise
from gateway.quarantine import today
from gateway.store import users
from gateway.store.db import transaction

user = AppGroup("user", help="Staff accounts: operators, venue staff, quarantine managers.")
quarantine = AppGroup("quarantine", help="People in home or facility quarantine.")
reminders = AppGroup("reminders", help="The scheduled quarantine runs.")

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,59}$")
DAY = click.DateTime(["%Y-%m-%d"])


def _runtime():
    return current_app.extensions["gateway"]


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


@user.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(users.ROLES), required=True)
@click.option("--phone", help="Mobile number; managers need one for alerts and digests.")
@click.option("--name", "display_name", default="", help="Name shown to colleagues.")
@click.option("--venue", "venue_codes", multiple=True,
              help="Venue code a venue_staff user checks visitors in at (repeatable).")
@click.option("--password-stdin", is_flag=True,
              help="Read the console password from the first line of standard input.")
def user_create(username: str, role: str, phone: str | None, display_name: str,
                venue_codes: tuple[str, ...], password_stdin: bool) -> None:
    """Create a staff account and its console password (asked for on a terminal)."""
    from gateway.cli_users import grant, read_password
    if not USERNAME.match(username):
        raise click.BadParameter("2-60 lower-case letters, digits, '.', '_' or '-'",
                                 param_hint="USERNAME")
    if role == "manager" and not phone:
        raise click.BadParameter("a manager needs a phone for alerts and digests",
                                 param_hint="--phone")
    try:
        number = normalise(phone) if phone else None
    except InvalidPhone as error:
        raise click.BadParameter(str(error), param_hint="--phone") from None
    password = read_password(password_stdin)
    with transaction(_runtime().sessions) as session:
        if users.by_username(session, username) is not None:
            raise click.ClickException(f"user {username!r} already exists")
        created = users.create(session, username=username, role=role, phone=number,
                               display_name=" ".join(display_name.split()))
        grant(session, created, password, venue_codes)
    click.echo(f"created user {username} (#{created.id}, {role}"
               + (f", {mask(number)})" if number else ")"))


@quarantine.command("enrol")
@click.option("--phone", required=True, help="The person's mobile number.")
@click.option("--name", required=True, help="Full name.")
@click.option("--manager", required=True, help="Username of the managing user.")
@click.option("--start", type=DAY, default=None, help="First day (default: today).")
@click.option("--end", type=DAY, required=True, help="Last day, included.")
@click.option("--kind", type=click.Choice(["home", "facility"]), default="home",
              show_default=True)
@click.option("--venue", "venue_code", default=None, help="Code of the facility (venue).")
def quarantine_enrol(phone: str, name: str, manager: str, start: datetime | None,
                     end: datetime, kind: str, venue_code: str | None) -> None:
    """Enrol a person and send the welcome SMS that explains how to report."""
    from gateway.quarantine.enrol import EnrolError, enrol
    runtime = _runtime()
    first = _day(start) or today(runtime.config.tz)
    try:
        with transaction(runtime.sessions) as session:
            case = enrol(session, phone=phone, name=name, manager=manager, start=first,
                         end=end.date(), kind=kind, venue_code=venue_code)
    except EnrolError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"enrolled case #{case.id}: {case.full_name}, {mask(case.phone)}, {kind}, "
               f"{case.start_date} to {case.end_date}, manager {manager}; welcome SMS queued")


@quarantine.command("digest")
@click.argument("manager")
@click.option("--date", "day", type=DAY, default=None, help="Local day (default: today).")
@click.option("--json", "as_json", is_flag=True, help="The digest as data.")
def quarantine_digest(manager: str, day: datetime | None, as_json: bool) -> None:
    """Show a manager's digest (as it would be sent, or as data)."""
    from gateway.quarantine import digest
    runtime = _runtime()
    with runtime.sessions() as session:
        found = users.by_username(session, manager)
        if found is None:
            raise click.ClickException(f"no user {manager!r}")
        data = digest.build(session, found.id, _day(day) or today(runtime.config.tz))
    if as_json:
        click.echo(json.dumps(data.to_json(), ensure_ascii=False))
    else:
        click.echo(digest.text(data, "vi", digest.console_pointer(runtime, "vi")))


@reminders.command("run")
@click.option("--slot", type=click.Choice(["morning", "noon", "digest", "end"]),
              default="morning", show_default=True)
@click.option("--date", "day", type=DAY, default=None, help="Local day (default: today).")
def reminders_run(slot: str, day: datetime | None) -> None:
    """Run a scheduled quarantine run now, in this process. Safe to repeat: nobody
    gets a message twice."""
    from gateway.quarantine import runs
    result = runs.run(slot, today=_day(day))
    click.echo(" ".join(f"{key}={value}" for key, value in result.items()))
