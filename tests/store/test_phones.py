"""Phone records: created once even when many turns race for a new number."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from gateway import runtime as runtimes
from gateway.store import phones
from gateway.store.db import transaction
from gateway.store.models import Phone, utcnow


def test_get_or_create_returns_the_same_record(app):
    sessions = runtimes.of(app).sessions
    with transaction(sessions) as session:
        first = phones.get_or_create(session, "+84912345678")
        assert first.language == "vi" and first.opted_out is False
    with transaction(sessions) as session:
        assert phones.get_or_create(session, "+84912345678").id == first.id


@pytest.mark.parametrize("first_contact", [phones.get_or_create, phones.for_turn],
                         ids=["record", "turn"])
def test_concurrent_first_contacts_create_one_row(app, first_contact):
    sessions = runtimes.of(app).sessions

    def contact(_):
        with transaction(sessions) as session:
            return first_contact(session, "+84987654321").id

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = set(pool.map(contact, range(16)))
    assert len(ids) == 1
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Phone)) == 1


def test_verification_expires(app):
    with transaction(runtimes.of(app).sessions) as session:
        phone = phones.get_or_create(session, "+84912345678")
        assert not phones.is_verified(phone)
        phone.verified_until = utcnow() + timedelta(hours=24)
        assert phones.is_verified(phone)
        assert not phones.is_verified(phone, now=utcnow() + timedelta(hours=25))


def test_timestamps_come_back_timezone_aware_on_both_engines(app, demo_app):
    for application in (app, demo_app):
        with transaction(runtimes.of(application).sessions) as session:
            phones.get_or_create(session, "+84912345678").verified_until = utcnow()
        with runtimes.of(application).sessions() as session:
            phone = phones.find(session, "+84912345678")
            assert phone.verified_until.tzinfo is not None
            assert abs(phone.verified_until - utcnow()) < timedelta(minutes=1)


def test_a_turn_reads_the_phone_once_and_writes_back_only_a_change(app, demo_app):
    for application in (app, demo_app):  # raw statements: both engines, both paramstyles
        sessions = runtimes.of(application).sessions
        with transaction(sessions) as session:
            created = phones.for_turn(session, "+84912345678")  # first contact makes it
            assert (created.language, created.opted_out, created.verified_until) == (
                "vi", False, None)
            phones.save_turn(session, created)  # unchanged: nothing written
        with sessions() as session:
            before = phones.find(session, "+84912345678").updated_at
        until = utcnow() + timedelta(hours=24)
        with transaction(sessions) as session:
            phone = phones.for_turn(session, "+84912345678")
            assert phone.id == created.id and not phone.changed
            phone.language, phone.verified_until = "en", until
            assert phone.changed
            phones.save_turn(session, phone)
        with transaction(sessions) as session:
            again = phones.for_turn(session, "+84912345678")
            assert (again.language, again.verified_until) == ("en", until)
            assert again.verified_until.tzinfo is not None
            assert phones.is_verified(again)
            stored = phones.find(session, "+84912345678")
            assert (stored.language, stored.verified_until) == ("en", until)
            assert stored.updated_at > before

