"""Re-encrypting the encrypted columns under the newest key of DATA_ENCRYPTION_KEY
(`gateway keys rotate`), and rewriting their lookup hashes under it.

It works on the engine's connection in batches of rows, one transaction each, so a
long rotation holds no lock for long and can be stopped and run again: a row already
under the newest key is skipped. Plain SQL, not the ORM: the values do not change, so
the change feed has nothing to publish.

A value that is not a Fernet token at all is a plain number written by a process that
still ran the code from before migration 0008 during a deploy: it is encrypted too, so
one `gateway keys rotate` after a deploy leaves no plain number behind.
"""

from __future__ import annotations

from sqlalchemy import Engine, Integer, String, Text, column, select, table, update

from gateway.store import keyring

BATCH = 500
TOKEN_PREFIX = "gAAAAA"  # every Fernet token: version byte 0x80, then a 64-bit timestamp
# The encrypted columns and their hash columns, by table.
ENCRYPTED = {"declarations": (("id_number", "id_number_hash"),
                              ("insurance_number", "insurance_number_hash"))}


def rotate(engine: Engine, batch: int = BATCH) -> int:
    """Re-encrypt every value not yet under the newest key; the number of rows changed."""
    ring = keyring.of(engine.dialect)
    changed = 0
    for name, pairs in ENCRYPTED.items():
        rows = table(name, column("id", Integer),
                     *(column(c, Text) for c, _ in pairs), *(column(h, String) for _, h in pairs))
        after = 0
        while True:
            with engine.begin() as connection:
                found = connection.execute(select(rows).where(rows.c.id > after)
                                           .order_by(rows.c.id).limit(batch)).mappings().all()
                for row in found:
                    values = _rotated(ring, row, pairs)
                    if values:
                        connection.execute(update(rows).where(rows.c.id == row["id"])
                                           .values(**values))
                        changed += 1
            if len(found) < batch:
                break
            after = found[-1]["id"]
    return changed


def _rotated(ring: keyring.Keyring, row, pairs) -> dict[str, str]:
    """The new values of a row's stale columns (empty: all current)."""
    values = {}
    for name, hash_name in pairs:
        token = row[name]
        if token is None or ring.is_current(token):
            continue
        plain = ring.decrypt(token) if token.startswith(TOKEN_PREFIX) else token
        values[name] = ring.encrypt(plain)
        values[hash_name] = ring.digest(plain)
    return values
