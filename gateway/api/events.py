"""`/api/v1/events`: the change feed. Every record created or changed on any channel,
in a stable order, each with the record as it is now. Poll with the `next` of the
previous answer: nothing is lost and nothing repeats, across restarts too (see
`gateway.store.events` for why).

A token limited to an area is served only the events of records inside it (the rules
of `gateway.store.areas`), and `deleted` events, which carry no record: a copy must
be deletable, and a bare topic and id tell nothing about the person. The cursor still
moves past every event read, served or not, so a limited reader never polls the same
stretch of the feed twice.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import marshmallow as ma

from gateway import runtime
from gateway.api import areas, paging
from gateway.api.auth import requires
from gateway.api.blueprint import PREFIX, ApiBlueprint
from gateway.api.feed import by_ids
from gateway.api.reads import audited
from gateway.store import areas as store_areas
from gateway.store import events
from gateway.store.events import Position

F = ma.fields
blp = ApiBlueprint("events", __name__, url_prefix=f"{PREFIX}/events",
                   description="The change feed, for syncing every record.")


class FeedArgs(ma.Schema):
    """Where to continue, and how many."""

    after = paging.FeedCursor(metadata={
        "description": "the `next` of the previous answer; omit to start from the beginning"})
    limit = paging.limit_field(100)


class EventOut(ma.Schema):
    """One change."""

    cursor = F.String(required=True, metadata={"description": "the feed position after it"})
    topic = F.String(required=True, metadata={
        "description": "declaration, venue, visit, quarantine_case, health_report, "
                       "consent, exposure_case, exposure, exposure_notice or isolation_area"})
    action = F.String(required=True, metadata={"description": "created, updated or deleted"})
    record_id = F.Integer(required=True)
    occurred_at = F.DateTime(required=True)
    record = F.Dict(allow_none=True, required=True, metadata={
        "description": "the record as it is now (the shape of its resource); upsert it by "
                       "topic and record_id. Null once deleted."})


class Feed(ma.Schema):
    """A batch of the feed."""

    items = F.List(F.Nested(EventOut), required=True)
    next = F.String(required=True, metadata={
        "description": "poll again with after=next (the same cursor when nothing was new)"})


@blp.route("", methods=["GET"])
@requires("read")
@blp.arguments(FeedArgs, location="query")
@blp.response(200, Feed)
def feed(args: dict[str, Any]) -> dict[str, Any]:
    """Changes after the cursor, oldest first; an empty `items` means "up to date"."""
    after = args.get("after", Position())
    with runtime.current().sessions() as db:
        batch = events.read(db, after, args["limit"])
        wanted: dict[str, set[int]] = defaultdict(set)
        for item in batch:
            wanted[item.topic].add(item.record_id)
        shown = _served(db, wanted)
        current = {topic: by_ids(db, topic, ids)
                   for topic, ids in (wanted if shown is None else shown).items()}
    items = [{"cursor": paging.feed_cursor(events.position(item)), "topic": item.topic,
              "action": item.action, "record_id": item.record_id,
              "occurred_at": item.created_at,
              "record": current[item.topic].get(item.record_id)} for item in batch
             if shown is None or item.record_id in shown[item.topic]
             or item.action == "deleted"]
    last = events.position(batch[-1]) if batch else after
    audited(len(items))
    return {"items": items, "next": paging.feed_cursor(last)}


def _served(db, wanted: dict[str, set[int]]) -> dict[str, set[int]] | None:
    """Per topic, the records of the batch inside the caller's area (None: every
    record, the caller is not limited)."""
    limited = areas.area()
    if limited is None:
        return None
    return {topic: store_areas.visible_ids(db, events.MODELS[topic], ids, limited)
            for topic, ids in wanted.items()}
