"""`gateway venue …`: register venues and print their posters."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from gateway import addresses, posters, runtime
from gateway.phones import InvalidPhone, normalise
from gateway.store import venues
from gateway.store.db import transaction

venue = AppGroup("venue", help="Venues (điểm kiểm dịch) and their posters.")


def _place(province: str, ward: str | None) -> dict:
    found = addresses.match_province(province)
    if found is None:
        raise click.BadParameter(f"no province matches {province!r}", param_hint="--province")
    place = {"province_code": found.code.value, "province_name": found.name,
             "ward_code": None, "ward_name": ""}
    if ward:
        wards = addresses.match_wards(found, ward)
        if len(wards) != 1:
            options = "; ".join(w.name for w in wards) or "none"
            raise click.BadParameter(f"{ward!r} matches {len(wards)} communes/wards in "
                                     f"{found.name} ({options})", param_hint="--ward")
        place.update(ward_code=wards[0].code.value, ward_name=wards[0].name)
    return place


@venue.command("create")
@click.option("--name", required=True, help="The venue's name as printed on its poster.")
@click.option("--kind", type=click.Choice(venues.KINDS), default="other", show_default=True)
@click.option("--province", required=True, help="Province name or number (1-34).")
@click.option("--ward", help="Commune or ward name within the province.")
@click.option("--street", default="", help="Street address.")
@click.option("--contact", help="Contact phone of the venue.")
@click.option("--json", "as_json", is_flag=True, help="Print the venue as JSON.")
def create(name: str, kind: str, province: str, ward: str | None, street: str,
           contact: str | None, as_json: bool) -> None:
    """Register a venue; prints its code."""
    if not name.strip() or len(name) > 120:
        raise click.BadParameter("must be 1-120 characters", param_hint="--name")
    try:
        contact_phone = normalise(contact) if contact else None
    except InvalidPhone as error:
        raise click.BadParameter(str(error), param_hint="--contact") from None
    with transaction(runtime.current().sessions) as session:
        made = venues.create(session, name=name.strip(), kind=kind, street=street.strip(),
                             contact_phone=contact_phone, channel="cli", **_place(province, ward))
        data = {"code": made.code, "name": made.name, "kind": made.kind,
                "province": made.province_name, "ward": made.ward_name, "street": made.street}
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    click.echo(f"Venue {data['code']}: {data['name']} ({data['kind']}), "
               f"{', '.join(p for p in (data['street'], data['ward'], data['province']) if p)}")
    click.echo(f"Poster: gateway venue poster {data['code']}")


@venue.command("poster")
@click.argument("code")
@click.option("--out", "directory", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="Folder to write the files to.")
def poster(code: str, directory: Path) -> None:
    """Write the printable poster (SVG) and QR code (PNG) of venue CODE."""
    rt = runtime.current()
    with rt.sessions() as session:
        found = venues.by_code(session, code.strip())
        if found is None:
            raise click.ClickException(f"no venue has the code {code!r}")
        svg, png = posters.write(rt.config, found, directory)
    click.echo(f"Poster: {svg}\nQR code: {png}\nQR URL: {posters.qr_url(rt.config, found)}")
