"""`gateway keys …`: the keys of the encrypted ID and insurance numbers
(DATA_ENCRYPTION_KEY, gateway/store/keyring.py)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from gateway import runtime
from gateway.store import keyring, rekey

keys = AppGroup("keys", help="Keys of the encrypted ID and insurance numbers.")


@keys.command("generate", with_appcontext=False)
def generate() -> None:
    """Print a new key: put it first in DATA_ENCRYPTION_KEY (comma-separated)."""
    click.echo(keyring.generate())


@keys.command("rotate")
def rotate() -> None:
    """Re-encrypt every stored number under the newest key of DATA_ENCRYPTION_KEY;
    afterwards the older keys may be removed from it."""
    try:
        changed = rekey.rotate(runtime.current().engine)
    except keyring.Unreadable as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"re-encrypted {changed} row(s) under the newest key; the older keys of "
               f"{keyring.VARIABLE} may now be removed")
