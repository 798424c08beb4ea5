"""`gateway purge`: delete what outlived its retention; `gateway statistics`: the daily
counts that outlive it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import click
from flask.cli import with_appcontext

from gateway import purge as purging
from gateway import runtime
from gateway.store import statistics


def _moment(_ctx, _param, value: str | None) -> datetime | None:
    """An ISO 8601 date and time; without an offset it is UTC."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date and time such as "
                                 "2026-12-31T02:00 or 2026-12-31T02:00+07:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@click.command()
@click.option("--dry-run", is_flag=True, help="Only count what would go; delete nothing.")
@click.option("--as-of", "as_of", callback=_moment, metavar="DATETIME",
              help="Purge as if it were this time (ISO 8601; UTC unless an offset is "
                   "given). Default: now.")
@with_appcontext
def purge(dry_run: bool, as_of: datetime | None) -> None:
    """Delete every record older than its retention period (RETENTION_* settings):
    database rows and partitions, Redis keys, RQ job data. Safe to repeat; a second
    run while one is going does nothing."""
    report = purging.run(runtime.current(), as_of, dry_run)
    if report.busy:
        raise click.ClickException("another purge is running; nothing done")
    verb = "would delete" if dry_run else "deleted"
    click.echo(f"purge as of {report.as_of.isoformat(timespec='seconds')}"
               f"{' (dry run: nothing deleted)' if dry_run else ''}")
    width = max(len(name) for name in report.counts)
    for name, count in report.counts.items():
        click.echo(f"  {name:<{width}}  {verb} {count}")
    for label, names in (("partitions dropped", report.dropped_partitions),
                         ("partitions created", report.created_partitions),
                         ("partitions busy, left for the next run",
                          report.skipped_partitions)):
        if names:
            click.echo(f"  {label}{' (would be)' if dry_run else ''}: {', '.join(names)}")


@click.command("statistics")
@click.option("--days", default=30, show_default=True, help="How many days back.")
@with_appcontext
def statistics_command(days: int) -> None:
    """Counts per day, kind, province and channel (nothing personal), including those
    of records already purged; as CSV."""
    until = datetime.now(UTC).date()
    since: date = until - timedelta(days=days)
    with runtime.current().sessions() as session:
        counts = statistics.totals(session, since, until)
    click.echo("day,kind,province_code,channel,count")
    for c in counts:
        click.echo(f"{c.day.isoformat()},{c.kind},{c.province_code},{c.channel},{c.count}")
