"""The purge in Redis: no copy of personal data outlives its retention there.

Every key the gateway writes with a phone number or a text in it (dialogues, resumable
forms, replies kept for retried webhooks, locks and tickets by phone, OTP hashes and
histories, SMPP message parts) is written with a TTL, so Redis forgets by itself. The
purge is the safety net over that rule, key family by key family (`FAMILIES`):
- a key without a TTL (a bug, or a hand-made key) is deleted;
- a key that will have expired by the purge's clock (`as_of`, moved by `--as-of`) is
  deleted now;
- a key whose TTL is longer than its kind's retention gets its TTL cut to it
  (e.g. RETENTION_DIALOGUE_HOURS set below a dialogue's TTL).
Rate-limit histories (OTPs sent per phone) keep their TTL, a day, which their limits
need; they hold no text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from fnmatch import fnmatchcase

from redis import Redis

from gateway.privacy.access import access_key
from gateway.retention import Retention

# Key pattern -> the retention kind capping its TTL (None: its own TTL is the cap).
FAMILIES: dict[str, str | None] = {
    "dlg:*": "dialogue", "resume:*": "dialogue", "seen:*": "dialogue",
    "twin:*": "dialogue", "ticket:phone:*": "dialogue", "line:phone:*": "dialogue",
    "alive:phone:*": "dialogue", "lock:phone:*": "dialogue",
    "otp:code:*": "otp", "otp:sent:*": None, "otpfan:*": None,
    "smpp:reply:*": None, "smpp:mo:*": None,
    "export:*": None,  # console exports: an hour's TTL (gateway/exports/store.py)
}
SCAN_COUNT = 1000


def purge(redis: Redis, retention: Retention, as_of: datetime, dry_run: bool,
          count: Callable[[str, int], None]) -> None:
    """Delete (or with `dry_run`, count) the keys expired by `as_of` or without a TTL,
    and cut TTLs longer than their retention; `count(name, n)` reports each."""
    now = datetime.now(UTC)
    deleted = capped = 0
    for key in redis.scan_iter(count=SCAN_COUNT):  # one pass over the keyspace
        family = _family(key.decode(errors="replace") if isinstance(key, bytes) else key)
        if family is None:
            continue
        kind = FAMILIES[family]
        cap_ms = int(retention[kind].total_seconds() * 1000) if kind else None
        ttl_ms = redis.pttl(key)
        if ttl_ms == -2:  # gone meanwhile
            continue
        expires = None if ttl_ms < 0 else now.timestamp() + ttl_ms / 1000
        if expires is None or expires <= as_of.timestamp():
            deleted += 1
            if not dry_run:
                redis.delete(key)
        elif cap_ms is not None and ttl_ms > cap_ms:
            capped += 1
            if not dry_run:
                redis.pexpire(key, cap_ms)
    count("Redis keys (dialogues, OTP, replies)", deleted)
    count("Redis TTLs cut to their retention", capped)


def _family(key: str) -> str | None:
    """The pattern of FAMILIES that `key` belongs to, if any."""
    return next((pattern for pattern in FAMILIES if fnmatchcase(key, pattern)), None)


def forget_phone(redis: Redis, phone: str) -> int:
    """Delete the Redis keys named by one phone (a one-person erasure): its SMS
    dialogue and every USSD session's, resumable forms, live OTP code and summary
    counter. Left to expire by themselves, with no text in them: its lock and its line
    (`ticket:`, `line:`, `alive:` — deleting them under a waiting turn would let two
    turns run at once or out of order), and the OTP rate-limit histories (`otp:sent:`,
    `otpfan:`: the limits against SMS pumping, which an erasure must not reset, gone
    within a day). Returns how many keys went."""
    found = [f"dlg:sms:{phone}", f"otp:code:{phone}", access_key(phone)]
    for pattern in (f"resume:*:{phone}", f"dlg:ussd:{phone}:*"):
        found += redis.scan_iter(match=pattern, count=SCAN_COUNT)
    return redis.delete(*found)
