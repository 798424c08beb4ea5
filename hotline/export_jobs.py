"""The RQ job that builds a long export (`hotline.exports`) in a worker: it reads the
export's spec from Redis (the job carries only its id), runs the list's query for its
owner as the owner is now (a user deactivated or moved to another area meanwhile gets
what they may see now, or nothing), writes the file while reporting progress, keeps
it in Redis and audits it."""

from __future__ import annotations

import logging
from datetime import date

from gateway import runtime
from gateway.exports import files, store
from gateway.store.db import transaction
from gateway.store.models import User
from hotline import audit, browse, lists

log = logging.getLogger(__name__)


def build(export_id: str) -> None:
    """Build export `export_id` (a no-op when it expired before a worker took it)."""
    rt = runtime.current()
    found = store.find(rt.redis, export_id)
    if found is None:
        return
    listing = lists.LISTINGS[found.listing]
    written = 0

    def progress(rows: int) -> None:
        nonlocal written
        written = rows
        store.advance(rt.redis, export_id, rows)

    try:
        with transaction(rt.sessions) as db:
            user = db.get(User, found.owner)
            if user is None or not user.active or user.role not in listing.roles:
                store.fail(rt.redis, export_id, "forbidden")
                return
            scope = found.spec.get("scope", "")
            viewer = lists.viewer_of(db, user, date.fromisoformat(found.spec["day"]),
                                     rt.config.tz, found.spec["language"], scope)
            term = lists.Search.read(found.spec["q"])
            filters = found.spec.get("filters", {})
            _, table = listing.export(db, viewer, term, filters)
            body = files.write(found.fmt, table, progress)
            audit.record(db, user, f"export.{found.listing}", term.phone,
                         f"{found.fmt}, " + browse.described(term, written, scope, filters))
    except Exception:
        log.exception("export %s of %s failed", export_id, found.listing)
        store.fail(rt.redis, export_id, "error")
        raise
    store.finish(rt.redis, export_id, body, written)
