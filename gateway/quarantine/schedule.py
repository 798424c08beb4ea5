"""The quarantine runs' entries in RQ's cron (the `cron` Procfile process).

RQ's cron matches its expressions against the process's local time, so the cron
process takes `GATEWAY_TIMEZONE` as its local time: `0 8 * * *` is then 08:00 in
Vietnam whatever the server's clock says, daylight saving included where there is
some. Times are configured as HH:MM (`REMINDER_MORNING_AT`, …); seconds, when given,
become cron's sixth field.
"""

from __future__ import annotations

import os
import time as process_time
from datetime import time

from rq.cron import CronScheduler

from gateway.config import Config
from gateway.quarantine import runs

TIMES = {"morning": "reminder_morning_at", "noon": "reminder_noon_at", "digest": "digest_at",
         "end": "quarantine_end_at"}


def cron_expression(at: time) -> str:
    """'0 8 * * *' for 08:00 (and '0 8 * * * 30' for 08:00:30)."""
    expression = f"{at.minute} {at.hour} * * *"
    return f"{expression} {at.second}" if at.second else expression


def entries(config: Config) -> dict[str, str]:
    """Each slot's cron expression, in the gateway's local time."""
    return {slot: cron_expression(getattr(config, name)) for slot, name in TIMES.items()}


def use_local_time(timezone: str) -> None:
    """Make `timezone` this process's local time (for the cron process only)."""
    os.environ["TZ"] = timezone
    process_time.tzset()


def register(scheduler: CronScheduler, config: Config) -> None:
    """Register the four daily runs with the scheduler."""
    use_local_time(config.timezone)
    for slot, expression in entries(config).items():
        scheduler.register(runs.run, queue_name="default", args=(slot,), cron=expression,
                           job_timeout=runs.RUN_TIMEOUT, name=f"quarantine-{slot}")
