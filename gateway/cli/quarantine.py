"""`gateway quarantine …` and `gateway reminders …`: enrolling people in quarantine,
a manager's digest, and running a scheduled quarantine run by hand."""

from __future__ import annotations

import json
from datetime import date, datetime

import click
from flask.cli import AppGroup

from gateway import runtime
from gateway.phones import mask
from gateway.quarantine import digest, runs, today
from gateway.quarantine.enrol import EnrolError, enrol
from gateway.store import users
from gateway.store.db import transaction
from gateway.text import DEFAULT_LANGUAGE

quarantine = AppGroup("quarantine", help="People in home or facility quarantine.")
reminders = AppGroup("reminders", help="The scheduled quarantine runs.")

DAY = click.DateTime(["%Y-%m-%d"])


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


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
    rt = runtime.current()
    first = _day(start) or today(rt.config.tz)
    try:
        with transaction(rt.sessions) as session:
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
    rt = runtime.current()
    with rt.sessions() as session:
        found = users.by_username(session, manager)
        if found is None:
            raise click.ClickException(f"no user {manager!r}")
        data = digest.build(session, found.id, _day(day) or today(rt.config.tz))
    if as_json:
        click.echo(json.dumps(data.to_json(), ensure_ascii=False))
    else:
        click.echo(digest.text(data, DEFAULT_LANGUAGE,
                               digest.console_pointer(rt, DEFAULT_LANGUAGE)))


@reminders.command("run")
@click.option("--slot", type=click.Choice(["morning", "noon", "digest", "end"]),
              default="morning", show_default=True)
@click.option("--date", "day", type=DAY, default=None, help="Local day (default: today).")
def reminders_run(slot: str, day: datetime | None) -> None:
    """Run a scheduled quarantine run now, in this process. Safe to repeat: nobody
    gets a message twice."""
    result = runs.run(slot, today=_day(day))
    click.echo(" ".join(f"{key}={value}" for key, value in result.items()))
