"""`gateway token …`: bearer tokens of the records API, each optionally limited to
an area (`--province`, `--commune`: see gateway/store/areas.py)."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from gateway import runtime
from gateway.cli.areas import area_options, parse_area
from gateway.store import areas, tokens
from gateway.store.db import transaction

token = AppGroup("token", help="Bearer tokens of the records API (/api/v1).")


@token.command("create")
@click.option("--name", required=True, help="Who uses the token, e.g. web-system.")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(tokens.SCOPES),
              default=("read",), show_default=True,
              help="read, write; repeat for both (--scope read --scope write).")
@area_options
def create(name: str, scopes: tuple[str, ...], province: str | None,
           communes: tuple[str, ...]) -> None:
    """Create a token; it is printed once and stored only as a hash."""
    area = parse_area(province, communes)
    try:
        with transaction(runtime.current().sessions) as session:
            made, secret = tokens.create(session, name, scopes)
            areas.assign(session, area, token_id=made.id)
            scope_text = made.scopes
    except tokens.TokenError as error:
        raise click.ClickException(str(error)) from None
    click.echo(secret)
    where = f", limited to {area.describe()}" if area else ""
    click.echo(f"Token {name!r} ({scope_text}{where}). Keep it now: it cannot be shown "
               "again. Send it as 'Authorization: Bearer <token>'.", err=True)


@token.command("revoke")
@click.argument("name")
def revoke(name: str) -> None:
    """Revoke the token NAME: its requests get 401 from now on."""
    try:
        with transaction(runtime.current().sessions) as session:
            tokens.revoke(session, name)
    except tokens.TokenError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"token {name!r} is revoked")


@token.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line.")
def list_tokens(as_json: bool) -> None:
    """List tokens (never their secrets)."""
    with runtime.current().sessions() as session:
        listed = tokens.all_tokens(session)
        limits = areas.of_tokens(session, (t.id for t in listed))
        rows = [{"name": t.name, "scopes": t.scopes, "created_at": t.created_at.isoformat(),
                 "last_used_at": t.last_used_at and t.last_used_at.isoformat(),
                 "revoked_at": t.revoked_at and t.revoked_at.isoformat(),
                 "area": limits[t.id].describe() if t.id in limits else None}
                for t in listed]
    for row in rows:
        if as_json:
            click.echo(json.dumps(row))
        else:
            state = f"revoked {row['revoked_at'][:16]}" if row["revoked_at"] else "active"
            used = (row["last_used_at"] or "never")[:16]
            where = f"  area {row['area']}" if row["area"] else ""
            click.echo(f"{row['name']}  [{row['scopes']}]  {state}  last used {used}{where}")
    if not rows and not as_json:
        click.echo("no tokens")
