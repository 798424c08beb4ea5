"""The `gateway` command line (a Flask CLI group) and its entry point."""

from __future__ import annotations

import click
from flask.cli import AppGroup, ScriptInfo

from gateway import console_commands, create_app
from gateway.cli import db, demo, flows, outbox, processes, quarantine, smpp, tokens, venues
from gateway.config import Config, ConfigError


def _create_app():
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


for _command in (db.db, demo.demo, processes.worker, processes.cron, outbox.outbox,
                 flows.flows_command, demo.sim, venues.venue, *console_commands(),
                 quarantine.quarantine, quarantine.reminders, tokens.token, smpp.smpp):
    gateway.add_command(_command)
