"""The audit of bulk reads: every list, feed and exposure answer of the records API
writes one audit row — the token, the path, how many records it served — and adds
them to the token's hourly count (gateway.ops.bulk_reads), which raises the alert
above BULK_READ_ALERT. One row per request, not per record, so a page of 200 costs
one insert."""

from __future__ import annotations

import logging

from flask import g, request
from redis.exceptions import RedisError

from gateway import runtime
from gateway.ops import bulk_reads
from gateway.store.db import transaction
from gateway.store.models import AuditEntry, utcnow

ACTION = "api.read"
log = logging.getLogger(__name__)


def audited(records: int) -> None:
    """Record that the calling token was served `records` records by this request."""
    rt = runtime.current()
    name = g.caller.name
    with transaction(rt.sessions) as session:
        session.add(AuditEntry(user_id=None, username=f"token:{name}"[:60], action=ACTION,
                               detail=f"{request.path} {records} records"[:255]))
    try:
        bulk_reads.count(rt.redis, name, records, rt.config.bulk_read_alert, utcnow())
    except RedisError as error:  # the audit row is written; the count is best effort
        log.warning("bulk read count unavailable", extra={"error": type(error).__name__})
