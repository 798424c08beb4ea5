"""`gateway demo` and `gateway sim`: run everything embedded, and a phone in the
terminal that talks to a running gateway."""

from __future__ import annotations

import os
import sys

import click

from gateway import create_app, runtime
from gateway.config import Config
from gateway.demo import seed, terminal
from gateway.store import schema
from gateway.store.db import transaction


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
def demo(host: str, port: int) -> None:
    """Run everything embedded: SQLite, in-process Redis, outbox SMS, simulator page."""
    os.environ.setdefault("DATABASE_URL", "sqlite:///gateway.db")
    os.environ["REDIS_URL"] = "memory://"
    os.environ.setdefault("SMS_BACKEND", "outbox")
    config = Config.from_env()
    schema.upgrade(config.database_url)
    app = create_app(config)
    with transaction(runtime.of(app).sessions) as session:
        seeded = seed.seed(session)
    click.echo(f"Gateway demo on http://{host}:{port}/  ·  phone simulator: "
               f"http://{host}:{port}/simulator/  ·  Ctrl-C to stop\n"
               f"Try: KB to declare · CI {seeded.venue_code} to check in at the demo market · "
               f"phone {seeded.returning_phone} has declared before")
    app.run(host=host, port=port, threaded=True, use_reloader=False)


@click.command()
@click.option("--url", default="http://127.0.0.1:5000", show_default=True,
              help="Base URL of a running gateway; for one with USSD_BASIC_AUTH put the "
                   "credentials in it: http://user:password@host:port.")
@click.option("--phone", default="0912345678", show_default=True)
@click.option("--ussd", "ussd_code", default=None, help="Dial this USSD code instead of SMS.")
def sim(url: str, phone: str, ussd_code: str | None) -> None:
    """A terminal phone: text (or dial) a running gateway through its real webhooks."""
    try:
        if ussd_code:
            terminal.dial(url, phone, ussd_code, sys.stdin, click.echo)
        else:
            terminal.chat(url, phone, sys.stdin, click.echo)
    except terminal.Unreachable as error:
        raise click.ClickException(str(error)) from None
