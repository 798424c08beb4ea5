"""The `gateway` command line (a Flask CLI group) and its entry point."""

from __future__ import annotations

import os

import click
from flask.cli import AppGroup, ScriptInfo

from gateway import console_commands, create_app, runtime
from gateway.cli import (
    db,
    demo,
    flows,
    keys,
    outbox,
    processes,
    purge,
    quarantine,
    tokens,
    venues,
)
from gateway.config import Config, ConfigError
from gateway.ops import startup
from gateway.sms import providers

# The processes that live on Redis: they check it at start, and never fall back to the
# demo's in-process Redis (a worker on it would wait for jobs nobody else can queue).
ON_REDIS = ("worker", "cron")


def _create_app():
    command = click.get_current_context().command.name
    try:
        # Built from an explicit config: commands, the worker and cron serve no HTTP,
        # so they do not need the web's USSD authentication (Config.validate_web).
        app = create_app(_config(command))
        startup.database(runtime.of(app))
        if command in ON_REDIS:
            startup.redis(runtime.of(app))
    except ConfigError as error:
        raise click.ClickException(f"configuration: {error}") from None
    return app


def _config(command: str) -> Config:
    """The configuration from the environment; in the demo's set-up (no SECRET_KEY, no
    REDIS_URL, SQLite) a command such as `gateway user create` runs on the demo's
    embedded defaults, as `gateway demo` does, instead of asking for a SECRET_KEY."""
    try:
        return Config.from_env()
    except ConfigError:
        if command in ON_REDIS or not demo.is_demo_setup(os.environ):
            raise
    demo.use_embedded_defaults(os.environ)
    click.echo("(no SECRET_KEY or REDIS_URL: using the demo's embedded set-up)", err=True)
    return Config.from_env()


@click.group(cls=AppGroup)
def gateway() -> None:
    """SMS and USSD gateway for public-health declarations."""


def main() -> None:
    """Entry point of the `gateway` command: the app is built only by commands that
    need it, so `--help` works without configuration."""
    gateway(obj=ScriptInfo(create_app=_create_app, set_debug_flag=False))


for _command in (db.db, demo.demo, processes.worker, processes.cron, outbox.outbox,
                 flows.flows_command, demo.sim, venues.venue, *console_commands(),
                 quarantine.quarantine, quarantine.reminders, tokens.token,
                 purge.purge, purge.statistics_command, keys.keys,
                 *providers.commands()):
    gateway.add_command(_command)
