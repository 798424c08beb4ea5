"""A record under a fresh random code (venues, isolation areas): a taken code is tried
again with a new one inside its own savepoint, so the caller's transaction survives, and
a code space that keeps colliding ends in a clear error — on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import uuid

import psycopg
import pytest
from sqlalchemy import func, select

from gateway.store import schema
from gateway.store.db import insert_coded, make_engine, make_sessions, transaction
from gateway.store.models import Venue
from tests.conftest import PG_ADMIN_URL


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def sessions(request, tmp_path_factory):
    """A session factory on a migrated database of this module's own."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('coded') / 'gateway.db'}"
    else:
        name = f"gwcoded_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = re.sub(r"/[^/]*$", f"/{name}", PG_ADMIN_URL)
    schema.upgrade(url)
    engine = make_engine(url)
    yield make_sessions(engine)
    engine.dispose()
    if request.param == "postgresql":
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def venue(code: str) -> Venue:
    return Venue(code=code, name="Cho Hom", kind="market", province_code=1,
                 province_name="Ha Noi")


def test_a_taken_code_is_drawn_again_and_the_transaction_goes_on(sessions):
    codes = iter(["5000001", "5000001", "5000002"])
    with transaction(sessions) as session:
        first = insert_coded(session, lambda: venue(next(codes)), 5, "venue")
        second = insert_coded(session, lambda: venue(next(codes)), 5, "venue")
    assert (first.code, second.code) == ("5000001", "5000002")
    with sessions() as session:
        taken = session.scalar(select(func.count()).select_from(Venue)
                               .where(Venue.code.in_(["5000001", "5000002"])))
    assert taken == 2


def test_a_code_space_that_keeps_colliding_is_a_clear_error(sessions):
    with transaction(sessions) as session:
        insert_coded(session, lambda: venue("6000001"), 5, "venue")
    tries = []

    def always_taken() -> Venue:
        tries.append(1)
        return venue("6000001")

    with (sessions() as session, session.begin(),
          pytest.raises(RuntimeError, match="could not find a free venue code")):
        insert_coded(session, always_taken, 3, "venue")
    assert len(tries) == 3
