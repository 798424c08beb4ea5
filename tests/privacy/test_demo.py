"""XOA in the embedded demo (SQLite, in-process Redis, jobs run inline): the erasure
runs as soon as the turn that recorded it commits."""

import re

from sqlalchemy import select

from gateway import runtime as runtimes
from gateway.store.models import DataRequest, Declaration
from tests.conftest import Phone
from tests.privacy.conftest import ME, count, declare


def test_xoa_in_the_demo_erases_at_once(demo_app):
    declare(demo_app)
    phone = Phone(demo_app.test_client(), ME)
    assert phone.sms("XOA").startswith("Yeu cau XOA toan bo du lieu")
    [otp_sms] = demo_app.test_client().post(
        "/simulator/outbox", json={"phone": ME}).get_json()["messages"]
    code = re.search(r"\d{6}", otp_sms["body"]).group(0)
    assert phone.sms(code).startswith("Da nhan yeu cau xoa du lieu so 1.")
    with runtimes.of(demo_app).sessions() as session:
        [request] = session.scalars(select(DataRequest))
    assert (request.kind, request.outcome) == ("erasure", "done")
    assert count(demo_app, Declaration) == 0
