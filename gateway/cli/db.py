"""`gateway db …`: the database schema."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from gateway import runtime
from gateway.store import schema

db = AppGroup("db", help="Database schema.")


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations (the Procfile's release step)."""
    config = runtime.current().config
    schema.upgrade(config.database_url, keyring=config.data_keys)
    click.echo("database is up to date")
