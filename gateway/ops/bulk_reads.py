"""How many records each API token reads, per hour, counted in Redis (every web
process adds to the same count), and the alert when a token reads more than
BULK_READ_ALERT records in an hour: one log line (the token's name and the numbers,
no personal data) and the Prometheus series `gateway_bulk_read_alerts`.

A sudden bulk download is the first thing a breach investigation looks for (the
72-hour breach-notification duty of Law 91/2025/QH15), so it must stand out at once
rather than be found later in the audit log.

The hour slides: the count is this clock hour's reads plus the previous hour's,
weighted by how much of the previous hour still lies within the last 60 minutes.
That keeps one Redis hash per hour (two round trips a read) instead of a timestamp
per read, and still catches 9,000 records at 10:59 and 9,000 more at 11:01.
"""

from __future__ import annotations

import logging
from datetime import datetime

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from redis import Redis

HOUR = 3600
READS_KEY = "bulk_reads:{hour}"              # hash: token name -> records read that hour
ALERTED_KEY = "bulk_reads:alerted:{hour}"    # set: tokens already alerted that hour
ALERTS_KEY = "metrics:bulk_read_alerts"      # hash: token name -> alerts raised, ever
log = logging.getLogger(__name__)


def _hour(now: datetime) -> int:
    return int(now.timestamp()) // HOUR


def _last_hour(current: int, previous: int, now: datetime) -> int:
    """The sliding hour's count from the two clock hours' counts."""
    left_of_previous = 1 - (now.timestamp() % HOUR) / HOUR
    return current + int(previous * left_of_previous)


def count(redis: Redis, token: str, records: int, threshold: int, now: datetime) -> bool:
    """Add `records` to what `token` read; True when this read raised the alert (once
    per token and clock hour while it stays above `threshold`)."""
    hour = _hour(now)
    key = READS_KEY.format(hour=hour)
    pipe = redis.pipeline()
    pipe.hincrby(key, token, records)
    pipe.expire(key, 2 * HOUR + 60)  # the previous hour is still needed for the slide
    pipe.hget(READS_KEY.format(hour=hour - 1), token)
    current, _, previous = pipe.execute()
    read = _last_hour(int(current), int(previous or 0), now)
    if read <= threshold:
        return False
    alerted = ALERTED_KEY.format(hour=hour)
    pipe = redis.pipeline()
    pipe.sadd(alerted, token)
    pipe.expire(alerted, HOUR + 60)
    first, _ = pipe.execute()
    if not first:
        return False
    redis.hincrby(ALERTS_KEY, token, 1)
    log.warning("bulk read alert: an API token read more records in an hour than "
                "BULK_READ_ALERT allows",
                extra={"token": token, "records_last_hour": read, "threshold": threshold})
    return True


def families(redis: Redis, now: datetime):
    """The metrics: alerts raised per token, and each token's reads in the last hour."""
    alerts = CounterMetricFamily("gateway_bulk_read_alerts", "Times an API token read more "
                                 "than BULK_READ_ALERT records in an hour", labels=["token"])
    for token, raised in sorted(redis.hgetall(ALERTS_KEY).items()):
        alerts.add_metric([token.decode()], int(raised))
    yield alerts
    hour = _hour(now)
    current = redis.hgetall(READS_KEY.format(hour=hour))
    previous = redis.hgetall(READS_KEY.format(hour=hour - 1))
    gauge = GaugeMetricFamily("gateway_api_records_read_last_hour", "Records each API "
                              "token read in the last hour (lists, feed, exposures)",
                              labels=["token"])
    for token in sorted({*current, *previous}):
        gauge.add_metric([token.decode()], _last_hour(int(current.get(token, 0)),
                                                      int(previous.get(token, 0)), now))
    yield gauge
