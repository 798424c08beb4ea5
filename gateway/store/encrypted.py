"""Encrypted columns: `Encrypted` stores a text encrypted under the engine's keyring
(gateway/store/keyring.py) and gives it back plain, so the rest of the code reads and
writes `declaration.id_number` as before; `hashed` keeps a keyed hash column beside
it for exact-match lookups, and `matching` is the condition such a lookup uses.

An encrypted column cannot be compared with a value in SQL (each encryption differs):
search through its hash column with `matching`, never `column == value`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Text, TypeDecorator, event

from gateway.store import keyring


class Encrypted(TypeDecorator):
    """A text column stored as a Fernet token under the engine's newest key."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else keyring.of(dialect).encrypt(value)

    def process_result_value(self, value, dialect):
        return None if value is None else keyring.of(dialect).decrypt(value)


def hashed(model: type, column: str, hash_column: str) -> None:
    """Keep `model.<hash_column>` the lookup hash of `model.<column>` on every insert
    and update (whatever code wrote the row)."""
    def fill(_mapper, connection, target) -> None:
        value = getattr(target, column)
        digest = None if value is None else keyring.of(connection.dialect).digest(value)
        if getattr(target, hash_column) != digest:
            setattr(target, hash_column, digest)

    event.listen(model, "before_insert", fill)
    event.listen(model, "before_update", fill)


def matching(hash_column: Any, value: str, ring: keyring.Keyring) -> ColumnElement[bool]:
    """The condition that finds rows whose encrypted value is `value` (hashed under any
    key of the ring, so rows not yet rotated are found too)."""
    return hash_column.in_(ring.digests(value))
