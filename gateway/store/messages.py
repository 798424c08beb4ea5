"""The outbox: every outbound SMS, from queued to delivered (the inbound message log is
`gateway.store.inbound`).

It is partitioned by week on PostgreSQL (gateway/store/partitions.py), so it holds no
key unique over all time: a scheduled send's `dedup_key` lives in `outbound_keys`,
claimed before its row is written."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, exists, func, select, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session, aliased

from gateway.store import handoff
from gateway.store.db import Statement, commit_without_waiting, utc
from gateway.store.models import OutboundKey, OutboundMessage, utcnow
from gateway.text import segments

# Outbound lifecycle. A status only moves forward in this order; the last three are final.
STATUS_RANK = {"queued": 0, "sending": 1, "sent": 2,
               "delivered": 3, "undelivered": 3, "failed": 3, "suppressed": 3}
FINAL = frozenset(s for s, rank in STATUS_RANK.items() if rank == 3)


# A scheduled send's dedup key is claimed in `outbound_keys` first: the outbox is
# partitioned by time on PostgreSQL, so it cannot hold a key unique over all time. A
# concurrent twin's claim waits for the first one's transaction, then finds it taken.
_CLAIM_OUTBOUND_KEY = Statement(
    "INSERT INTO outbound_keys (dedup_key, created_at) VALUES (:dedup_key, :created_at) "
    "ON CONFLICT DO NOTHING RETURNING 1")


def queue_outbound(session: Session, *, phone: str, body: str, kind: str, priority: str,
                   dedup_key: str | None = None, sealed: str | None = None,
                   hand_over: bool = True) -> OutboundMessage | None:
    """Add a message to the outbox; it is handed to the workers once the session's
    transaction commits (`gateway.store.handoff`; with `hand_over=False` it is left to
    the caller, or to the sweeper). With a `dedup_key` already used, nothing is added
    and None is returned (a scheduled send that ran twice). A secret text (an OTP) comes
    masked in `body` and `sealed` (gateway/sealing.py)."""
    now = utcnow()
    if dedup_key and _CLAIM_OUTBOUND_KEY.run(session, {"dedup_key": dedup_key,
                                                       "created_at": now}).fetchone() is None:
        return None
    message = OutboundMessage(phone=phone, body=body, kind=kind, priority=priority,
                              dedup_key=dedup_key, segments=segments(body), status="queued",
                              sealed=sealed, created_at=now, updated_at=now)
    session.add(message)
    session.flush()
    if hand_over:
        handoff.note(session, message.id, priority)
    return message


def queue_many(session: Session, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Add many messages to the outbox in one statement (each row: phone, body, kind,
    priority, dedup_key). A row whose `dedup_key` is already used (or used by an
    earlier row of `rows`) is skipped, so a run repeated or doubled adds nothing twice.
    Returns the ids of the rows added, which the caller hands to the workers itself (a
    bulk run refreshes the planner's statistics first, `analyze`, and sends them in
    `deliver_many` chunks)."""
    rows = _first_of_each_key(rows)
    if not rows:
        return []
    counted: dict[str, int] = {}  # bulk bodies repeat: count each text's segments once
    for row in rows:
        if row["body"] not in counted:
            counted[row["body"]] = segments(row["body"])
    now = utcnow().replace(tzinfo=None)  # stored as naive UTC (see UTCDateTime)
    if session.get_bind().dialect.name == "postgresql":
        # Columns as arrays: a short statement whatever the batch size, parsed once.
        columns = {name: [row[name] for row in rows] for name in _BULK_COLUMNS}
        return [row[0] for row in _PG_BULK_INSERT.run(session, {
            **columns, "segments": [counted[body] for body in columns["body"]], "now": now})]
    keys = [row["dedup_key"] for row in rows if row["dedup_key"]]
    claimed: set[str] = set()
    if keys:
        claim_keys = (sqlite.insert(OutboundKey.__table__).on_conflict_do_nothing()
                      .returning(OutboundKey.__table__.c.dedup_key))
        claimed = set(session.execute(claim_keys, [{"dedup_key": key, "created_at": now}
                                                   for key in keys]).scalars())
    table = OutboundMessage.__table__
    values = [{**{name: row[name] for name in _BULK_COLUMNS}, "segments": counted[row["body"]],
               "status": "queued", "attempts": 0, "backend": "", "sender": "",
               "created_at": now, "updated_at": now}
              for row in rows if not row["dedup_key"] or row["dedup_key"] in claimed]
    if not values:
        return []
    return list(session.execute(table.insert().returning(table.c.id), values).scalars())


def _first_of_each_key(rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """`rows` without a second row of a dedup key (rows without a key all stay)."""
    seen: set[str] = set()
    kept = []
    for row in rows:
        key = row["dedup_key"]
        if key and key in seen:
            continue
        if key:
            seen.add(key)
        kept.append(row)
    return kept


_BULK_COLUMNS = ("phone", "body", "kind", "priority", "dedup_key")
# Binary parameters: dumping 5,000 strings as text arrays (quoting each) would cost the
# client more than the insert costs the server.
_PG_BULK_INSERT = Statement(
    "WITH t AS (SELECT * FROM unnest(CAST(:phone AS text[]), CAST(:body AS text[]), "
    "CAST(:kind AS text[]), CAST(:priority AS text[]), CAST(:dedup_key AS text[]), "
    "CAST(:segments AS int[])) AS t(phone, body, kind, priority, dedup_key, segments)), "
    "claimed AS (INSERT INTO outbound_keys (dedup_key, created_at) "
    "SELECT dedup_key, :now FROM t WHERE dedup_key IS NOT NULL "
    "ON CONFLICT DO NOTHING RETURNING dedup_key) "
    "INSERT INTO outbound_messages (phone, body, kind, priority, dedup_key, segments, status, "
    "attempts, backend, sender, created_at, updated_at) "
    "SELECT phone, body, kind, priority, dedup_key, segments, 'queued', 0, '', '', :now, :now "
    "FROM t WHERE dedup_key IS NULL OR dedup_key IN (SELECT dedup_key FROM claimed) "
    "RETURNING id", binary=True)


def analyze(session: Session) -> None:
    """Refresh the planner's statistics of the outbox (PostgreSQL), as a bulk run does
    once its first batch is in. Until autovacuum notices, the statistics still say
    that almost no message is `queued`, and the workers' claim (`id = ? AND status =
    'queued'`) is then planned through the status index: every claim walks the
    thousands of queued rows (25 ms instead of 1 in the benchmark)."""
    if session.connection().dialect.name == "postgresql":
        _ANALYZE.run(session, {})


_ANALYZE = Statement("ANALYZE outbound_messages")


@dataclass(frozen=True)
class Claimed:
    """A message a worker has taken for sending."""

    id: int
    phone: str
    body: str
    kind: str
    attempts: int
    sealed: str | None
    created_at: datetime
    claimed_at: datetime


_CLAIM = Statement(
    "UPDATE outbound_messages SET status = 'sending', claimed_at = :now, updated_at = :now, "
    "backend = :backend, sender = :sender, attempts = attempts + 1 "
    "WHERE id = :id AND status = 'queued' "
    "RETURNING id, phone, body, kind, attempts, sealed, created_at")
# The sealed text is kept only with `keep_sealed` (the development `outbox` backend,
# whose phone simulator shows the outbox): a provider has the text now.
_MARK_SENT = Statement(
    "UPDATE outbound_messages SET status = 'sent', provider_id = :provider_id, sent_at = :now, "
    "updated_at = :now, error_code = NULL, error_message = NULL, next_attempt_at = NULL, "
    "sealed = CASE WHEN :keep_sealed THEN sealed END "
    "WHERE id = :id AND status IN ('queued', 'sending')")


def claim(session: Session, message_id: int, backend: str, sender: str) -> Claimed | None:
    """Take a queued message for sending (atomically: only one worker wins)."""
    now = utcnow()
    row = _CLAIM.run(session, {"id": message_id, "now": now, "backend": backend,
                               "sender": sender}).fetchone()
    if row is None:
        return None
    return Claimed(*row[:6], created_at=utc(row[6]), claimed_at=now)


_CLAIM_MANY = Statement(
    "UPDATE outbound_messages SET status = 'sending', claimed_at = :now, updated_at = :now, "
    "backend = :backend, sender = :sender, attempts = attempts + 1 "
    "WHERE id = ANY(:ids) AND status = 'queued' "
    "RETURNING id, phone, body, kind, attempts, sealed, created_at")


def claim_many(session: Session, message_ids: Sequence[int], backend: str,
               sender: str) -> list[Claimed]:
    """`claim` for a batch (one statement on PostgreSQL): the messages taken, in the
    order of `message_ids`; those already taken or sent are left out."""
    if session.connection().dialect.name != "postgresql":
        return [c for c in (claim(session, i, backend, sender) for i in message_ids) if c]
    now = utcnow()
    rows = {row[0]: row for row in _CLAIM_MANY.run(session, {
        "ids": list(message_ids), "now": now, "backend": backend, "sender": sender})}
    return [Claimed(*rows[i][:6], created_at=utc(rows[i][6]), claimed_at=now)
            for i in message_ids if i in rows]


def mark_sent(session: Session, message_id: int, provider_id: str | None,
              keep_sealed: bool = False) -> bool:
    """The provider accepted the message. Only a message still `sending` (or put back in
    the queue by the sweeper meanwhile, whose new job must then not send it again) moves
    to `sent`: a status a delivery report already advanced is kept. Returns whether the
    row changed.

    Its commit does not wait for the disk: the claim before the send did, so a database
    crash that forgets this mark leaves the message `sending`, and the sweeper finds it
    at the provider (a forgotten claim, by contrast, would send it twice)."""
    commit_without_waiting(session)
    return _MARK_SENT.run(session, {"id": message_id, "provider_id": provider_id,
                                    "now": utcnow(), "keep_sealed": keep_sealed}).rowcount > 0


def mark_sent_many(session: Session, sent: Sequence[tuple[int, str]]) -> None:
    """`mark_sent` for a batch of (message id, provider id), in one transaction."""
    if not sent:
        return
    commit_without_waiting(session)
    now = utcnow()
    for message_id, provider_id in sent:
        _MARK_SENT.run(session, {"id": message_id, "provider_id": provider_id, "now": now,
                                 "keep_sealed": False})


def mark_failed(session: Session, message_id: int, code: str | None, reason: str,
                status: str = "failed", claimed_at: datetime | None = None,
                next_attempt_at: datetime | None = None) -> bool:
    """A message being sent will not be sent (`failed`, `suppressed`: its sealed text
    is cleared) or is `queued` again for a retry at `next_attempt_at`. With
    `claimed_at`, only the claim made then is released (the sweeper must not undo a
    newer claim). Returns whether the row changed."""
    condition = [OutboundMessage.id == message_id, OutboundMessage.status == "sending"]
    if claimed_at is not None:
        condition.append(OutboundMessage.claimed_at == claimed_at)
    values: dict[str, Any] = {"status": status, "error_code": code,
                              "error_message": reason[:255], "updated_at": utcnow(),
                              "next_attempt_at": next_attempt_at}
    if status in FINAL:
        values["sealed"] = None
    return session.execute(update(OutboundMessage).where(*condition)
                           .values(**values)).rowcount > 0


def expire(session: Session, kind_is_otp: bool, created_before: datetime,
           limit: int = 1000) -> list[tuple[int, str]]:
    """Give up queued messages (OTPs, or every other kind) queued before
    `created_before`: they are past their retry horizon. Returns (id, kind) of each."""
    kind = (OutboundMessage.kind == "otp") if kind_is_otp else (OutboundMessage.kind != "otp")
    ids = list(session.scalars(select(OutboundMessage.id)
                               .where(OutboundMessage.status == "queued", kind,
                                      OutboundMessage.created_at < created_before)
                               .order_by(OutboundMessage.id).limit(limit)))
    if not ids:
        return []
    rows = session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id.in_(ids), OutboundMessage.status == "queued")
        .values(status="failed", error_code=None, sealed=None, next_attempt_at=None,
                error_message="retry horizon reached", updated_at=utcnow())
        .returning(OutboundMessage.id, OutboundMessage.kind))
    return [(row[0], row[1]) for row in rows]


# Built once, run with parameters: every OTP's turn asks (see store.consents).
_OTP_TIMES = select(OutboundMessage.created_at).where(
    OutboundMessage.phone == bindparam("phone"), OutboundMessage.kind == "otp",
    OutboundMessage.created_at >= bindparam("since"))


def otp_times(session: Session, phone: str, since: datetime) -> list[datetime]:
    """When OTP SMS to `phone` were queued since `since`: the outbox's record of the
    codes issued, from which the per-phone OTP limits are rebuilt after Redis lost them."""
    return list(session.scalars(_OTP_TIMES, {"phone": phone, "since": since}))


def reconcile(session: Session, message_id: int, claimed_at: datetime | None,
              provider_id: str) -> bool:
    """The sweeper found an interrupted send at the provider: it is `sent` with that id
    (unless the claim it looked at is no longer current, or the provider's message is
    already another row's: one message sent is never counted for two rows)."""
    now = utcnow()
    other = aliased(OutboundMessage)
    return session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == message_id, OutboundMessage.status == "sending",
               OutboundMessage.claimed_at == claimed_at,
               ~exists().where(other.provider_id == provider_id))
        .values(status="sent", provider_id=provider_id, sent_at=now, updated_at=now,
                error_code=None, error_message=None, next_attempt_at=None, sealed=None)
    ).rowcount > 0


def provider_ids(session: Session, phone: str) -> set[str]:
    """Provider ids already recorded for messages to `phone` (so an interrupted send is
    never matched with another message that happens to have the same text)."""
    return set(session.scalars(select(OutboundMessage.provider_id)
                               .where(OutboundMessage.phone == phone,
                                      OutboundMessage.provider_id.is_not(None))))


def apply_status(session: Session, provider_id: str, status: str,
                 error_code: str | None, message_id: int | None = None) -> bool:
    """Apply a provider's delivery report; statuses never move backwards. A report can
    beat our own record of the provider id (the callback arrives before `mark_sent`
    commits): `message_id`, carried in the callback URL, finds the message then.
    Returns False when no outbound message matches.

    A provider id is the provider's: unique there (a Twilio SID, an eSMS SMSID) or at
    least for a long while (an SMSC's message_id, which some SMSCs reuse after a time),
    so it is looked up through a plain index, not a unique key (the outbox is
    partitioned by time on PostgreSQL, and a unique key would have to include the
    time). Two rows can share one only if an SMSC reused it: its report then belongs
    to the newest."""
    message = session.scalar(select(OutboundMessage)
                             .where(OutboundMessage.provider_id == provider_id)
                             .order_by(OutboundMessage.id.desc()).limit(1)
                             .with_for_update())
    if message is None and message_id is not None:
        message = session.scalar(select(OutboundMessage)
                                 .where(OutboundMessage.id == message_id,
                                        OutboundMessage.provider_id.is_(None))
                                 .with_for_update())
        if message is not None:
            message.provider_id = provider_id
    if message is None:
        return False
    if STATUS_RANK[status] > STATUS_RANK.get(message.status, 0):
        message.status = status
        message.error_code = error_code or None
        message.updated_at = utcnow()
        if STATUS_RANK[status] >= STATUS_RANK["sent"]:
            message.sealed = None  # the provider has the text (a report beat mark_sent)
    return True


def stale(session: Session, status: str, older_than: timedelta,
          now: datetime | None = None, limit: int = 500,
          after_id: int = 0) -> list[OutboundMessage]:
    """Messages left in `status` for longer than `older_than` (lost jobs, killed
    workers), by id from `after_id` on. A queued message counts from when its retry
    was due (`next_attempt_at`), or else from its last change."""
    cutoff = (now or utcnow()) - older_than
    if status == "sending":
        column = OutboundMessage.claimed_at
    else:
        column = func.coalesce(OutboundMessage.next_attempt_at, OutboundMessage.updated_at)
    return list(session.scalars(select(OutboundMessage)
                                .where(OutboundMessage.status == status, column < cutoff,
                                       OutboundMessage.id > after_id)
                                .order_by(OutboundMessage.id).limit(limit)))


def count_by_status(session: Session) -> dict[str, int]:
    """How many outbound messages are in each status (for metrics)."""
    rows = session.execute(select(OutboundMessage.status, func.count())
                           .group_by(OutboundMessage.status))
    return {status: count for status, count in rows}
