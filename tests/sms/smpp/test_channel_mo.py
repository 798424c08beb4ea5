"""MO over the SMPP channel, transcripts from issue 14 against the real SMSC peer: a
whole SMS declaration (KB, the OTP read from what the gateway submitted, the answers,
the code), CI <code>, SK with the manager's alert; UCS-2 Vietnamese and concatenated MO
reaching the flow intact. The link runs in this process (so the dialogue's clock can be
set), real RQ workers send the replies."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from gateway import runtime as runtimes
from gateway.store.models import InboundMessage
from gateway.text import septets
from tests.checkin.conftest import make_venue
from tests.declare.test_sms import NEW_USER
from tests.quarantine.conftest import (
    MANAGER_PHONE,
    PERSON,
    add_case,
    add_manager,
    clock,  # noqa: F401  (the fixture)
)
from tests.sms.smpp.channel import (  # noqa: F401  (the fixtures)
    ME,
    SmppPhone,
    config_fixture,
    link_fixture,
    settled,
    workers_fixture,
)
from tests.sms.workers import wait_until
from tests.smsc_peer import smsc_fixture  # noqa: F401  (the `smsc` fixture)


def coding(text: str) -> str:
    """How a phone sends a text: GSM-7 when it fits, else UCS-2."""
    return "gsm7" if septets(text) is not None else "ucs2"


@pytest.fixture
def me(app, smsc, link, workers) -> SmppPhone:
    """The citizen's phone, with the gateway's workers running."""
    workers.start()
    return SmppPhone(app, smsc)


def inbound(app) -> list[InboundMessage]:
    """Every MO the gateway logged, oldest first."""
    with runtimes.of(app).sessions() as session:
        return list(session.scalars(select(InboundMessage).order_by(InboundMessage.id)))


def declare(me: SmppPhone) -> str:
    """KB → the privacy notice, agreed → the OTP → every answer → confirm; the last
    reply."""
    assert me.say("KB").endswith("1 Dong y\n2 Khong")
    # Two MT, in whichever order the workers sent them: the reply and the OTP.
    [otp] = [text for text in me.sms("1") if text.startswith("Ma xac thuc")]
    reply = me.inbox()[-2] if me.inbox()[-1] == otp else me.inbox()[-1]
    assert "Da gui ma 6 so toi +849*****678" in reply
    code = re.search(r"\b\d{6}\b", otp).group(0)
    assert "Nhap ho va ten" in me.say(code)
    for answer, expected in NEW_USER:
        assert expected in me.say(answer, encoding=coding(answer))
    return me.say("1")


def test_a_whole_declaration_then_a_check_in_over_smpp(app, me):
    venue = make_venue(app)
    done = declare(me)
    assert done.startswith("Da khai bao. Ma: ")
    assert me.say(f"CI {venue['code']}").startswith(f"Da check-in tai {venue['name']} luc ")
    logged = inbound(app)
    assert {(m.channel, m.provider, m.phone, m.recipient) for m in logged} == {
        ("sms", "smpp", ME, "8088")}
    assert logged[3].body == "Nguyễn Văn An"  # UCS-2 MO, intact
    assert len(logged) == len({m.provider_id for m in logged}) == len(NEW_USER) + 5


@pytest.mark.usefixtures("clock", "link")
def test_a_danger_report_alerts_the_manager_over_smpp(app, smsc, workers):
    add_manager(app)
    add_case(app)
    workers.start()
    person = SmppPhone(app, smsc, PERSON)
    manager = SmppPhone(app, smsc, MANAGER_PHONE)
    wait_until(lambda: settled(app) and person.inbox(), what="the welcome SMS")
    person.seen = len(person.inbox())  # the welcome SMS, out of the way
    reply = person.say("SK 1 3 38.5")
    assert reply.startswith("Da ghi nhan 10/03: sot, kho tho, 38.5C.")
    assert "Da bao can bo quan ly" in reply
    [alert] = manager.inbox()
    assert alert.startswith("KHAN cach ly +849*****001 Nguyen Van An: sot, kho tho, 38.5C")


@pytest.mark.parametrize(("mo", "text"), [
    ({"encoding": "ucs2"}, "Tôi bị sốt và ho, xin hướng dẫn"),
    ({"encoding": "ucs2", "concat": "udh8"}, "Tôi bị sốt từ hôm qua. " * 5),
    ({"encoding": "gsm7", "concat": "udh16", "order": [2, 1]}, "Toi bi ho. " * 20),
    ({"encoding": "latin1", "concat": "sar"}, "Toi can giup do. " * 12),
])
def test_ucs2_and_concatenated_mo_reach_the_flow_intact(app, me, mo, text):
    [reply] = me.sms(text, **mo)
    [logged] = inbound(app)
    assert logged.body == text
    assert reply  # one answer to the whole message, not one per part


def test_an_mo_delivered_twice_is_one_turn_and_one_reply(app, smsc, me):
    [reply] = me.sms("TT", receipted_message_id="mo-0001")
    assert me.sms("TT", receipted_message_id="mo-0001") == []  # nothing queued again
    [logged] = inbound(app)
    assert logged.provider_id == "id:mo-0001"
    assert me.inbox() == [reply]
    assert [d["command_status"] for d in smsc.deliveries()] == [0, 0]


def test_an_mo_from_an_invalid_number_is_answered_and_dropped(app, smsc, link):
    smsc.inject_mo("KB", source_addr="12")
    smsc.wait_for(lambda peer: [d["command_status"] for d in peer.deliveries()] == [0])
    assert inbound(app) == []
    assert link.stats.counters["mo"] == 0
