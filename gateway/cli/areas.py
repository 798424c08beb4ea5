"""The `--province` and `--commune` options that limit a token or an account to an
area (gateway/store/areas.py), shared by `gateway token create` and `gateway user
create`; a province or commune that is not found is refused naming the option."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from gateway.store.areas import Area, AreaError, parse


def area_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add `--province` and `--commune` (repeatable) to a command."""
    command = click.option(
        "--commune", "communes", multiple=True,
        help="Commune/ward within the province, by official code or exact name "
             "(repeatable); without it, the whole province.")(command)
    return click.option(
        "--province", default=None,
        help="Limit to this province (official code or name, e.g. 38 or 'Thanh Hoa'); "
             "without it, no limit.")(command)


def parse_area(province: str | None, communes: tuple[str, ...]) -> Area | None:
    """The area the options name; None without --province."""
    if province is None:
        if communes:
            raise click.BadParameter("--commune needs --province", param_hint="--commune")
        return None
    try:
        return parse(province, communes)
    except AreaError as error:
        raise click.BadParameter(str(error), param_hint=f"--{error.field}") from None
