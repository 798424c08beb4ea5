"""`gateway outbox`: the latest outbound messages, for a look from the shell."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from gateway import runtime
from gateway.store.models import OutboundMessage


@click.command()
@click.option("--limit", default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line.")
@with_appcontext
def outbox(limit: int, as_json: bool) -> None:
    """Show the latest outbound messages (newest first)."""
    with runtime.current().sessions() as session:
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
