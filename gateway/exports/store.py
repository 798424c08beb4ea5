"""Exports in Redis: what was asked (the spec an RQ job reads), how far it got, and the
finished file, for its owner only.

A large export is built by a worker that may run on another machine than the web, so
the spec, the progress and the file live in Redis, never on a local disk. Every key
expires `TTL_SECONDS` (an hour) after the export was asked for: a file is personal data
(names, phones) and nothing has to remember to delete it. The purge's Redis pass
(gateway/purge/volatile.py, family `export:*`) deletes any such key found without a TTL.
An export's id is random and unguessable, and every read checks the owner as well: a
link copied to another user opens nothing.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from redis import Redis

TTL_SECONDS = 3600
META_KEY = "export:{}"
FILE_KEY = "export:{}:file"
STATES = ("queued", "running", "ready", "failed")


@dataclass(frozen=True)
class Export:
    """An export as its owner sees it."""

    id: str
    owner: int
    listing: str
    fmt: str
    state: str
    done: int
    total: int
    filename: str
    spec: dict
    error: str = ""

    @property
    def percent(self) -> int:
        """How far the export got, 0-100 (100 only once the file is there)."""
        if self.state == "ready":
            return 100
        return min(99, self.done * 100 // self.total) if self.total else 0


def create(redis: Redis, owner: int, listing: str, fmt: str, total: int, filename: str,
           spec: dict) -> str:
    """Record an export asked for by user `owner`; its new id."""
    export_id = secrets.token_urlsafe(18)
    key = META_KEY.format(export_id)
    redis.hset(key, mapping={"owner": owner, "listing": listing, "fmt": fmt,
                             "state": "queued", "done": 0, "total": total,
                             "filename": filename, "spec": json.dumps(spec), "error": ""})
    redis.expire(key, TTL_SECONDS)
    return export_id


def find(redis: Redis, export_id: str, owner: int | None = None) -> Export | None:
    """The export `export_id` (of user `owner`, when given); None when it is unknown,
    expired, or someone else's."""
    raw = redis.hgetall(META_KEY.format(export_id)) if export_id else {}
    if not raw:
        return None
    data = {(k.decode() if isinstance(k, bytes) else k):
            (v.decode() if isinstance(v, bytes) else v) for k, v in raw.items()}
    found = Export(id=export_id, owner=int(data["owner"]), listing=data["listing"],
                   fmt=data["fmt"], state=data["state"], done=int(data["done"]),
                   total=int(data["total"]), filename=data["filename"],
                   spec=json.loads(data["spec"]), error=data.get("error", ""))
    if owner is not None and found.owner != owner:
        return None
    return found


def advance(redis: Redis, export_id: str, done: int) -> None:
    """Note that `done` rows are written (the job is running)."""
    key = META_KEY.format(export_id)
    if redis.exists(key):  # an expired export is not brought back without a TTL
        redis.hset(key, mapping={"state": "running", "done": done})


def finish(redis: Redis, export_id: str, body: bytes, rows: int) -> None:
    """Keep the finished file until the export expires."""
    key = META_KEY.format(export_id)
    left = redis.ttl(key)
    if left is None or left <= 0:
        return  # expired while it was built: nobody can fetch it any more
    pipe = redis.pipeline()
    pipe.set(FILE_KEY.format(export_id), body, ex=left)
    pipe.hset(key, mapping={"state": "ready", "done": rows, "total": rows})
    pipe.execute()


def fail(redis: Redis, export_id: str, reason: str) -> None:
    """Mark the export failed, with a reason its owner is shown."""
    key = META_KEY.format(export_id)
    if redis.exists(key):
        redis.hset(key, mapping={"state": "failed", "error": reason})


def file(redis: Redis, export: Export) -> bytes | None:
    """The finished file of an export (found for its owner), if it is ready."""
    return redis.get(FILE_KEY.format(export.id)) if export.state == "ready" else None
