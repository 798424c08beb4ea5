"""Quarantine: people in home or facility quarantine report their health every day;
their managers learn at once about danger signs and every evening about who did not
report.

`enrol` creates cases (and sends the welcome SMS), `isolation` puts whole areas under
isolation (their residents become cases of kind `area`; `isolation_jobs` enrols them),
`runs` holds the scheduled runs
(reminders, the last day) and their bookkeeping, `digest` the managers' evening
digest, and `schedule` the entries of RQ's cron. The daily report from the dialogue
(and its alert to the manager) is `gateway.actions.reports`. Days are local days of
`GATEWAY_TIMEZONE` (`gateway.days`).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from gateway.days import local_date
from gateway.store.models import utcnow


def today(tz: ZoneInfo, now: datetime | None = None) -> date:
    """The local day now (or at `now`, for runs and tests with their own clock)."""
    return local_date(now or utcnow(), tz)
