"""A declaration over SMS whose address lies in an active isolation area joins it in
the same turn (one case, one welcome SMS), and one elsewhere in the commune does not."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from gateway import runtime as runtimes
from gateway.config import Config
from gateway.quarantine import isolation, today
from gateway.store import users
from gateway.store.db import transaction
from gateway.store.models import QuarantineCase
from tests.declare.conftest import ME
from tests.declare.test_sms import declare_as_new_user

HN, HOAN_KIEM = 1, 70


def an_area(app, street: str) -> str:
    """An area of Phường Hoàn Kiếm (Ha Noi) from today for a week; its code."""
    day = today(Config().tz)
    with transaction(runtimes.of(app).sessions) as session:
        manager = users.create(session, username="bs_hk", role="manager",
                               phone="+84903000009")
        return isolation.declare(session, province_code=HN, ward_code=HOAN_KIEM,
                                 street=street, start=day, end=day + timedelta(days=7),
                                 manager=manager,
                                 declared_by=None, officer_area=None, channel="web",
                                 operator=None, day=day).code


def cases(app) -> list[QuarantineCase]:
    with runtimes.of(app).sessions() as session:
        return list(session.scalars(select(QuarantineCase)))


def test_declaring_an_address_in_an_active_area_joins_it(app, me, inbox):
    code = an_area(app, "hang bac")
    assert declare_as_new_user(me, inbox).startswith("Da khai bao. Ma: ")
    [case] = cases(app)
    assert (case.phone, case.kind, case.channel, case.full_name) == (
        ME, "area", "sms", "Nguyễn Văn An")
    welcome = [m["body"] for m in inbox.messages(ME) if m["body"].startswith("Khu vuc cua ban")]
    assert welcome == [inbox.messages(ME)[-1]["body"]] and f"(ma {code})" in welcome[0]


def test_an_address_on_another_street_does_not_join(app, me, inbox):
    an_area(app, "Trang Tien")
    assert declare_as_new_user(me, inbox).startswith("Da khai bao. Ma: ")
    assert cases(app) == []
