"""The `gateway` command line (a Flask CLI group)."""

from __future__ import annotations

import json
import os
import sys

import click
from flask.cli import AppGroup, ScriptInfo

from gateway.config import Config, ConfigError


def _create_app():
    from gateway import create_app
    try:
        # Built from an explicit config: commands, the worker and cron serve no HTTP,
        # so they do not need the web's USSD authentication (Config.validate_web).
        return create_app(Config.from_env())
    except ConfigError as error:
        raise click.ClickException(f"configuration: {error}") from None


@click.group(cls=AppGroup)
def gateway() -> None:
    """SMS and USSD gateway for public-health declarations."""


def main() -> None:
    """Entry point of the `gateway` command: the app is built only by commands that
    need it, so `--help` works without configuration."""
    gateway(obj=ScriptInfo(create_app=_create_app, set_debug_flag=False))


def _runtime():
    from flask import current_app
    return current_app.extensions["gateway"]


@gateway.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations (the Procfile's release step)."""
    from gateway.store import schema
    schema.upgrade(_runtime().config.database_url)
    click.echo("database is up to date")


@gateway.command(with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
def demo(host: str, port: int) -> None:
    """Run everything embedded: SQLite, in-process Redis, outbox SMS, simulator page."""
    os.environ.setdefault("DATABASE_URL", "sqlite:///gateway.db")
    os.environ["REDIS_URL"] = "memory://"
    os.environ.setdefault("SMS_BACKEND", "outbox")
    from gateway import create_app
    from gateway.store import schema
    config = Config.from_env()
    schema.upgrade(config.database_url)
    app = create_app(config)
    from gateway import demo as demo_data
    from gateway.store.db import transaction
    with transaction(app.extensions["gateway"].sessions) as session:
        seeded = demo_data.seed(session)
    click.echo(f"Gateway demo on http://{host}:{port}/  ·  phone simulator: "
               f"http://{host}:{port}/simulator/  ·  Ctrl-C to stop\n"
               f"Try: KB to declare · CI {seeded.venue_code} to check in at the demo market · "
               f"phone {seeded.returning_phone} has declared before")
    app.run(host=host, port=port, threaded=True, use_reloader=False)


@gateway.command()
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--fork", is_flag=True,
              help="Run each job in a forked process (RQ's default Worker).")
def worker(burst: bool, fork: bool) -> None:
    """Run an RQ worker on the gateway's queues, highest priority first.

    Jobs run in the worker's own process: a send is one short HTTP call, and forking a
    process for it cost more than the send (about 14 SMS/s instead of hundreds). A job
    lost with a crashed worker is recovered by the outbox sweeper. A Redis restart is
    waited out and a fresh worker started (gateway/survive.py)."""
    from rq import SimpleWorker, Worker

    from gateway import survive
    from gateway.runtime import QUEUES
    rt = _runtime()
    kind = Worker if fork else SimpleWorker

    previous: list = []  # the worker of the last run, if it ended

    def once() -> bool:
        for ended in previous:
            survive.release_scheduler(ended)
        # RQ restarts a dead scheduler (e.g. one that lost Redis while its worker waited
        # the outage out) only in its maintenance, by default every ten minutes.
        running = kind([rt.queue(name) for name in QUEUES], connection=rt.redis,
                       maintenance_interval=survive.SCHEDULER_CHECK_SECONDS)
        previous[:] = [running]
        running.max_connection_wait_time = survive.MAX_WAIT  # RQ's own waits: 60 s
        running.work(burst=burst, with_scheduler=True)
        # Ended by a stop request, or a burst's empty queues; else by an error.
        return burst or running._shutdown_requested_date is not None

    survive.run(once, rt.redis, "worker")


@gateway.command()
def cron() -> None:
    """Run RQ's cron scheduler with the gateway's recurring jobs; a Redis restart is
    waited out and a fresh scheduler started (gateway/survive.py)."""
    from rq.cron import CronScheduler

    from gateway import schedules, survive
    redis = _runtime().redis

    def once() -> bool:
        scheduler = CronScheduler(connection=redis)
        schedules.register(scheduler)
        scheduler.start()  # returns only when asked to stop; a lost Redis raises
        return True

    survive.run(once, redis, "cron")


@gateway.command()
@click.option("--limit", default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line.")
def outbox(limit: int, as_json: bool) -> None:
    """Show the latest outbound messages (newest first)."""
    from sqlalchemy import select

    from gateway.store.models import OutboundMessage
    with _runtime().sessions() as session:
        rows = session.scalars(select(OutboundMessage).order_by(OutboundMessage.id.desc())
                               .limit(limit)).all()
    for m in rows:
        if as_json:
            click.echo(json.dumps({"id": m.id, "phone": m.phone, "kind": m.kind,
                                   "status": m.status, "body": m.body,
                                   "created_at": m.created_at.isoformat()}))
        else:
            click.echo(f"#{m.id} {m.created_at:%Y-%m-%d %H:%M:%S} {m.phone} [{m.kind}/{m.status}]"
                       f" {m.body}")
    if not rows and not as_json:
        click.echo("the outbox is empty")


@gateway.command("flows", with_appcontext=False)
@click.argument("name", required=False)
@click.option("--language", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def flows_command(name: str | None, language: str) -> None:
    """Print a flow (every flow without NAME) as a table for health officers to review."""
    from gateway import flows
    from gateway.flows.table import describe
    names = [name] if name else sorted(flows.FLOWS)
    unknown = [n for n in names if n not in flows.FLOWS]
    if unknown:
        known = ", ".join(sorted(flows.FLOWS))
        raise click.ClickException(f"no flow {unknown[0]!r}; flows: {known}")
    click.echo("\n\n".join(describe(flows.FLOWS[n], language) for n in names))


@gateway.command(with_appcontext=False)
@click.option("--url", default="http://127.0.0.1:5000", show_default=True,
              help="Base URL of a running gateway; for one with USSD_BASIC_AUTH put the "
                   "credentials in it: http://user:password@host:port.")
@click.option("--phone", default="0912345678", show_default=True)
@click.option("--ussd", "ussd_code", default=None, help="Dial this USSD code instead of SMS.")
def sim(url: str, phone: str, ussd_code: str | None) -> None:
    """A terminal phone: text (or dial) a running gateway through its real webhooks."""
    from gateway import terminal
    try:
        if ussd_code:
            terminal.dial(url, phone, ussd_code, sys.stdin, click.echo)
        else:
            terminal.chat(url, phone, sys.stdin, click.echo)
    except terminal.Unreachable as error:
        raise click.ClickException(str(error)) from None


from gateway.cli_venues import venue  # noqa: E402

gateway.add_command(venue)

from gateway.cli_quarantine import quarantine, reminders, user  # noqa: E402

for _group in (user, quarantine, reminders):
    gateway.add_command(_group)

from gateway.cli_tokens import token  # noqa: E402

gateway.add_command(token)
