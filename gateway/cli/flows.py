"""`gateway flows`: print the dialogues as tables for health officers to review."""

from __future__ import annotations

import click

from gateway import flows
from gateway.flows.messages import LANGUAGES
from gateway.flows.table import describe
from gateway.text import DEFAULT_LANGUAGE


@click.command("flows")
@click.argument("name", required=False)
@click.option("--language", type=click.Choice(LANGUAGES), default=DEFAULT_LANGUAGE,
              show_default=True)
def flows_command(name: str | None, language: str) -> None:
    """Print a flow (every flow without NAME) as a table for health officers to review."""
    names = [name] if name else sorted(flows.FLOWS)
    unknown = [n for n in names if n not in flows.FLOWS]
    if unknown:
        known = ", ".join(sorted(flows.FLOWS))
        raise click.ClickException(f"no flow {unknown[0]!r}; flows: {known}")
    click.echo("\n\n".join(describe(flows.FLOWS[n], language) for n in names))
