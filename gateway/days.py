"""Local days: the gateway's days (a quarantine day, a daily report) are days of
GATEWAY_TIMEZONE, not of UTC."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    """The local day of a moment: 16:59 UTC is 23:59 in Hanoi, 17:01 UTC the next day."""
    return moment.astimezone(tz).date()
