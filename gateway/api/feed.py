"""The change feed's records: for the events of a batch, each record as it is now, in
the shape of its resource (presented by `gateway.api.presenting`, dumped with its schema
from `gateway.api.records`), JSON-ready. The feed serves every topic through one field,
so it dumps the records itself rather than through a response schema; one query per
topic, however many events."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.api import presenting, records
from gateway.store.events import MODELS


def dump(session: Session, topic: str, rows: Sequence[Any]) -> list[dict[str, Any]]:
    """`rows` of one topic as JSON-ready dicts."""
    return records.SCHEMAS[topic]().dump(presenting.present(session, topic, rows), many=True)


def by_ids(session: Session, topic: str, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Records of one topic by id, JSON-ready."""
    model = MODELS[topic]
    rows = list(session.scalars(select(model).where(model.id.in_(set(ids)))))
    return {row["id"]: row for row in dump(session, topic, rows)}
