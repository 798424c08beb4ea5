"""Demo data: seeded once, and it makes the simulator show check-in and the
returning-user path in the embedded mode."""

import re

from sqlalchemy import func, select

from gateway import runtime as runtimes
from gateway.demo import seed
from gateway.store.db import transaction
from gateway.store.models import Declaration, OutboundMessage, Venue
from tests.conftest import Phone


def test_seed_is_idempotent_and_usable(demo_app):
    sessions = runtimes.of(demo_app).sessions
    with transaction(sessions) as session:
        first = seed.seed(session)
    with transaction(sessions) as session:
        assert seed.seed(session) == first
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Venue)) == 1
        assert session.scalar(select(func.count()).select_from(Declaration)) == 1
    returning = Phone(demo_app.test_client(), first.returning_phone)
    assert returning.sms(f"CI {first.venue_code}").startswith(
        "Da check-in tai Cho Ben Thanh (demo) luc ")
    assert returning.sms("KB").startswith("Da gui ma 6 so")
    with sessions() as session:  # the demo's outbox holds the OTP SMS, masked …
        stored_sms = session.scalars(select(OutboundMessage.body)).one()
    assert "******" in stored_sms and not re.search(r"\d{6}", stored_sms)
    # … and the phone simulator shows the phone what it got.
    [otp_sms] = demo_app.test_client().post(
        "/simulator/outbox", json={"phone": first.returning_phone}).get_json()["messages"]
    code = re.search(r"\d{6}", otp_sms["body"]).group(0)
    assert returning.sms(code).startswith("Co phai ban: Nguyen Van Demo, 1985")
