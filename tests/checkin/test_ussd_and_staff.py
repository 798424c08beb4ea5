"""Check-in over USSD (menu and dial-through), staff-assisted check-in with the
visitor's OTP, and the contact-tracing overlap query."""

from datetime import timedelta

from gateway import runtime as runtimes
from gateway.store import venues
from gateway.store.db import transaction
from gateway.store.models import Venue, Visit, utcnow
from gateway.visits import staff_check_in, staff_send_code
from tests.checkin.conftest import declared, make_venue, visits
from tests.declare.conftest import ME, MEMBER
from tests.declare.test_ussd import FORM, walk


def ussd_declared(me) -> None:
    me.dial()
    walk(me, [("1", "ho va ten"), *FORM, ("1", "END Da khai bao")])


def test_check_in_from_the_ussd_menu(app, me, market):
    ussd_declared(me)
    me.dial()
    assert me.press("2") == "CON Nhap ma dia diem (7 chu so tren poster):"
    assert me.press(market["code"]).startswith(f"END Da check-in tai {market['name']} luc ")
    [visit] = visits(app)
    assert visit.channel == "ussd"


def test_dial_through_checks_in_at_once(app, me, market):
    ussd_declared(me)
    screen = me.dial(f"*1022*{market['code']}#")
    assert screen.startswith(f"END Da check-in tai {market['name']}")
    assert len(visits(app)) == 1


def test_dial_through_without_a_declaration_declares_first(app, me, market):
    screen = me.dial(f"*1022*{market['code']}#")
    assert screen.startswith(f"CON Can khai bao y te truoc khi check-in tai {market['name']}.")
    assert "Nhap ho va ten" in screen  # network-verified: no OTP
    walk(me, FORM)
    assert me.press("1").startswith("END Da khai bao (ma ")
    assert len(visits(app)) == 1


def test_dial_through_with_a_mistyped_code(app, me, market):
    code = market["code"]
    wrong = code[:5] + code[6] + code[5] if code[5] != code[6] else code[:6] + str(
        (int(code[6]) + 1) % 10)
    assert me.dial(f"*1022*{wrong}#").startswith("END Ma dia diem khong dung")
    assert visits(app) == []


def staff(app):
    runtime = runtimes.of(app)
    return runtime, runtime.sessions


def test_staff_check_in_a_visitor_by_the_code_they_read_back(app, me, inbox, market):
    declared(me, inbox)
    runtime, sessions = staff(app)
    with transaction(sessions) as session:  # the code goes to the workers once committed
        staff_send_code(session, runtime.redis, runtime.config, ME)
    code = inbox.otp(ME)
    with transaction(sessions) as session:
        venue = session.get(Venue, market["id"])
        wrong = staff_check_in(session, runtime.redis, runtime.config, venue, ME,
                                        "000000" if code != "000000" else "111111", "staff1")
        assert (wrong.status, wrong.tries_left) == ("wrong", 4)
        done = staff_check_in(session, runtime.redis, runtime.config, venue, ME, code,
                                       "staff1")
        assert done.status == "checked_in"
    [visit] = visits(app)
    assert (visit.operator, visit.channel, visit.venue_id) == ("staff1", "hotline", market["id"])


def test_staff_are_told_when_the_visitor_has_no_declaration(app, inbox, market):
    runtime, sessions = staff(app)
    with transaction(sessions) as session:  # the code goes to the workers once committed
        staff_send_code(session, runtime.redis, runtime.config, MEMBER)
    with transaction(sessions) as session:
        venue = session.get(Venue, market["id"])
        result = staff_check_in(session, runtime.redis, runtime.config, venue, MEMBER,
                                         inbox.otp(MEMBER), "staff1")
    assert result.status == "no_declaration"
    assert visits(app) == []


def visit(session, venue_id, phone, start, minutes):
    session.add(Visit(venue_id=venue_id, phone=phone, channel="sms", checked_in_at=start,
                      checked_out_at=start + timedelta(minutes=minutes) if minutes else None))


def test_overlap_query_finds_who_was_there_at_the_same_time(app, market, hospital):
    t0 = utcnow() - timedelta(days=1)
    with transaction(runtimes.of(app).sessions) as session:
        visit(session, market["id"], ME, t0, 60)                              # mine
        visit(session, market["id"], "+84900000001", t0 + timedelta(minutes=30), 60)  # overlap
        visit(session, market["id"], "+84900000002", t0 - timedelta(minutes=90), 60)  # before
        visit(session, market["id"], "+84900000003", t0 + timedelta(minutes=61), 10)  # after
        visit(session, hospital["id"], "+84900000004", t0, 60)                # elsewhere
        visit(session, market["id"], "+84900000005", t0 - timedelta(minutes=10), 0)   # open
    with runtimes.of(app).sessions() as session:
        pairs = venues.overlapping(session, ME, t0 - timedelta(hours=1), t0 + timedelta(hours=2),
                                   longest=timedelta(hours=8))
        assert sorted(other.phone for _, other in pairs) == ["+84900000001", "+84900000005"]
        assert all(mine.phone == ME for mine, _ in pairs)
        # Outside the window: nothing.
        assert venues.overlapping(session, ME, t0 + timedelta(hours=3), t0 + timedelta(hours=4),
                                  longest=timedelta(hours=8)) == []


def test_venue_codes_are_unique_and_valid(app):
    from gateway.codes import parse_venue_code
    codes = {make_venue(app, f"Venue {n}")["code"] for n in range(50)}
    assert len(codes) == 50 and all(parse_venue_code(c) == c for c in codes)
    with runtimes.of(app).sessions() as session:
        assert all(venues.by_code(session, c) for c in codes)
