"""`gateway demo` and `gateway sim`: run everything embedded, and a phone in the
terminal that talks to a running gateway."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Mapping, MutableMapping

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from gateway import create_app, runtime
from gateway.config import Config, ConfigError
from gateway.demo import seed, terminal
from gateway.ops import startup
from gateway.store import schema
from gateway.store.db import transaction
from gateway.store.redis import DEMO_REDIS_URL

# The embedded defaults of `gateway demo` (and `scripts/run`) beside REDIS_URL=memory://.
EMBEDDED = {"DATABASE_URL": "sqlite:///gateway.db", "SMS_BACKEND": "outbox"}


def use_embedded_defaults(environ: MutableMapping[str, str]) -> None:
    """Give `environ` the demo's settings: SQLite and the outbox unless set, and the
    in-process Redis (which also makes the configuration the demo's)."""
    for name, value in EMBEDDED.items():
        environ.setdefault(name, value)
    environ["REDIS_URL"] = DEMO_REDIS_URL


def is_demo_setup(environ: Mapping[str, str]) -> bool:
    """Whether a shell looks like the demo's: no SECRET_KEY and no REDIS_URL (without
    them nothing but the demo runs) and a SQLite database, the demo's default. A
    PostgreSQL DATABASE_URL says production: there SECRET_KEY stays required."""
    if environ.get("SECRET_KEY", "").strip() or environ.get("REDIS_URL", "").strip():
        return False
    url = environ.get("DATABASE_URL", "").strip() or EMBEDDED["DATABASE_URL"]
    try:
        return make_url(url).get_backend_name() == "sqlite"
    except ArgumentError:
        return False


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, envvar="PORT",
              help="Port to serve on (also the PORT variable: PORT=8001 scripts/run).")
def demo(host: str, port: int) -> None:
    """Run everything embedded: SQLite, in-process Redis, outbox SMS, simulator page,
    and the console with a login for each role."""
    if not port_free(host, port):
        raise click.ClickException(
            f"port {port} on {host} is taken (is the demo already running?); pick another: "
            f"PORT={port + 1} scripts/run, or gateway demo --port {port + 1}")
    use_embedded_defaults(os.environ)
    try:
        config = Config.from_env()
        app = create_app(config)
        startup.database(runtime.of(app))
    except ConfigError as error:
        raise click.ClickException(f"configuration: {error}") from None
    schema.upgrade(config.database_url, keyring=config.data_keys)
    with transaction(runtime.of(app).sessions) as session:
        seeded = seed.seed(session)
    click.echo(banner(f"http://{host}:{port}", seeded))
    app.run(host=host, port=port, threaded=True, use_reloader=False)


def port_free(host: str, port: int) -> bool:
    """Whether the demo can listen on `host`:`port`, checked before anything is printed
    (the server would fail only after the banner). Address reuse as the server sets it,
    so a port left in TIME_WAIT by a demo just stopped counts as free."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def banner(base: str, seeded: seed.Seeded) -> str:
    """What the demo prints on start: where the simulator and the console are, what to
    try, and the console's demo logins."""
    logins = "\n".join(f"  {login.role:<15} {login.username:<9} password {login.password}"
                       for login in seeded.logins)
    return (f"Gateway demo on {base}/  ·  phone simulator: {base}/simulator/  ·  "
            f"Ctrl-C to stop\n"
            f"Try: KB to declare · CI {seeded.venue_code} to check in at the demo market · "
            f"phone {seeded.returning_phone} has declared before\n"
            f"Hotline console: {base}/hotline/  ·  demo logins (demo only, never in "
            f"production):\n{logins}")


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
