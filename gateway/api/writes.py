"""Writes of the records API: one transaction per request, and `Idempotency-Key`.

Every POST/PATCH runs in one database transaction (`session()` inside the view). With
an `Idempotency-Key` header the key is reserved first, in that same transaction, as a
row unique per (token, key); the response is stored in the row before the commit. So
the record, its change-feed events and the stored response commit together or not at
all, and:

- a retry after success finds the row and gets the first status and body back
  (`Idempotent-Replayed: true`), creating nothing;
- the same key with a different request (method, path or body) is a 422 problem;
- two concurrent requests with one key: the second one's reservation waits on the
  unique index until the first commits (then it replays) or rolls back (then it
  runs); a wait longer than KEY_WAIT is a 409 problem with `Retry-After`;
- an error response (4xx) is not stored: nothing was created, so the client may fix
  the request and send it again under the same key.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, g, make_response, request
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from gateway import runtime
from gateway.api.problems import Problem, invalid
from gateway.store.db import transaction
from gateway.store.models import IdempotencyKey

HEADER = "Idempotency-Key"
KEY_WAIT = "5s"
_KEY = re.compile(r"^[\x21-\x7e]{1,120}$")  # visible ASCII: UUIDs, ULIDs, hashes…
PENDING = 0


def session() -> Session:
    """The session of the current write (inside `@writes`)."""
    return g.api_session


def _fingerprint() -> str:
    """What makes two requests 'the same': method, path and body (JSON compared by
    meaning, so key order and spacing do not matter)."""
    raw = request.get_data(cache=True)
    try:
        body = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":"))
    except ValueError:
        body = raw.hex()
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _replay(row: IdempotencyKey, fingerprint: str) -> Response:
    if row.request_hash != fingerprint:
        raise Problem(422, f"this {HEADER} was used for a different request",
                      type="urn:gateway:problem:idempotency-key-reused")
    if row.status == PENDING:
        raise Problem(409, f"a request with this {HEADER} is still in progress",
                      type="urn:gateway:problem:idempotency-key-in-progress",
                      headers={"Retry-After": "1"})
    answer = Response(row.body, status=row.status, mimetype="application/json")
    answer.headers["Idempotent-Replayed"] = "true"
    return answer


def _stored(token_id: int, key: str) -> IdempotencyKey | None:
    with runtime.current().sessions() as fresh:
        return fresh.scalar(select(IdempotencyKey).where(IdempotencyKey.token_id == token_id,
                                                         IdempotencyKey.key == key))


def _reserve(db: Session, token_id: int, key: str, fingerprint: str) -> IdempotencyKey:
    """Insert the key's row; blocks while a concurrent request holds the same key."""
    postgres = db.get_bind().dialect.name == "postgresql"
    if postgres:
        db.execute(text(f"SET LOCAL lock_timeout = '{KEY_WAIT}'"))
    row = IdempotencyKey(token_id=token_id, key=key, request_hash=fingerprint,
                         status=PENDING, body="")
    db.add(row)
    db.flush()
    if postgres:  # only the key waits briefly; the view's own locks wait as usual
        db.execute(text("SET LOCAL lock_timeout = DEFAULT"))
    return row


def writes(view: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a POST/PATCH view (inside `requires`): one transaction, and the
    `Idempotency-Key` behaviour described in the module docstring."""
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        if request.mimetype != "application/json":
            raise Problem(415, "send the body as JSON (Content-Type: application/json)")
        key = request.headers.get(HEADER)
        if key is not None and not _KEY.match(key):
            invalid(HEADER, "1-120 visible ASCII characters (a UUID, say)", "header")
        token_id = g.caller.token_id
        fingerprint = _fingerprint() if key is not None else ""
        if key is not None and (done := _stored(token_id, key)) is not None:
            return _replay(done, fingerprint)
        try:
            with transaction(runtime.current().sessions) as db:
                g.api_session = db
                row = _reserve(db, token_id, key, fingerprint) if key is not None else None
                answer = make_response(view(*args, **kwargs))
                if answer.status_code >= 400:
                    raise _Refused(answer)
                if row is not None:
                    row.status, row.body = answer.status_code, answer.get_data(as_text=True)
        except _Refused as refused:
            return refused.answer
        except (IntegrityError, OperationalError) as error:
            if key is None or (done := _stored(token_id, key)) is None:
                raise _conflict(error) from error
            return _replay(done, fingerprint)
        return answer
    return wrapper


class _Refused(Exception):
    """An error answer from the view: roll back, then send it."""

    def __init__(self, answer: Response):
        super().__init__(answer.status)
        self.answer = answer


def _conflict(error: Exception) -> Problem:
    """A lock wait ran out or a unique key was taken by a concurrent write."""
    if isinstance(error, OperationalError):
        return Problem(409, "a concurrent request holds this record or key; try again",
                       type="urn:gateway:problem:busy", headers={"Retry-After": "1"})
    return Problem(409, "a concurrent request made a conflicting record; try again",
                   type="urn:gateway:problem:conflict", headers={"Retry-After": "1"})
