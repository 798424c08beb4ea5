"""Every session factory gets its hooks, the outbox's hand-over after commit and the
change feed's writer, however many factories a process has made and dropped before.
SQLAlchemy's listener registry knows a factory by its id(), so asking it whether a new
factory was hooked can answer yes for one made at the address of a collected one: a
process that builds many apps (the tests) then lost that app's hand-overs and events."""

from __future__ import annotations

import gc

from gateway.store import db, events, handoff, schema
from gateway.store.db import transaction
from gateway.store.models import Phone

FACTORIES = 40


def test_every_new_factory_hands_over_and_feeds(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'hooks.db'}"
    schema.upgrade(url)
    engine = db.make_engine(url)
    handed, flushes = [], []
    monkeypatch.setattr(events, "_write", lambda session, rows: flushes.append(rows))
    for n in range(FACTORIES):
        sessions = db.make_sessions(engine)  # hooks the feed
        handoff.install(sessions, handed.extend)
        handoff.install(sessions, handed.extend)  # again: still one hand-over per commit
        with transaction(sessions) as session:
            session.add(Phone(number=f"+8491{n:07d}"))
            session.flush()
            handoff.note(session, n, "high")
        del sessions, session
        gc.collect()  # the next factory may now take this one's address
    assert handed == [(n, "high") for n in range(FACTORIES)]
    assert len(flushes) == FACTORIES
    engine.dispose()
