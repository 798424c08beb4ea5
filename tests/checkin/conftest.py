"""Check-in tests: the production setup of the declaration tests, plus venues."""

import pytest

from gateway import runtime as runtimes
from gateway.store import venues
from gateway.store.db import transaction
from gateway.store.models import Visit
from tests.declare.conftest import Inbox, config, inbox, me  # noqa: F401 (fixtures)


def make_venue(app, name: str = "Cho Ben Thanh", kind: str = "market") -> dict:
    """Register a venue; its code and name."""
    with transaction(runtimes.of(app).sessions) as session:
        venue = venues.create(session, name=name, kind=kind, province_code=79,
                              province_name="Thành phố Hồ Chí Minh", street="Le Loi")
        return {"code": venue.code, "name": venue.name, "id": venue.id}


@pytest.fixture
def market(app) -> dict:
    """A venue."""
    return make_venue(app)


@pytest.fixture
def hospital(app) -> dict:
    """Another venue."""
    return make_venue(app, "Benh vien Cho Ray", "hospital")


def visits(app) -> list[Visit]:
    """Every visit, oldest first."""
    from sqlalchemy import select
    with runtimes.of(app).sessions() as session:
        return list(session.scalars(select(Visit).order_by(Visit.id)))


def declared(phone, mailbox: Inbox) -> None:
    """Make the phone hold a valid declaration (new user, no symptoms)."""
    from tests.declare.test_sms import declare_as_new_user
    assert declare_as_new_user(phone, mailbox).startswith("Da khai bao")
