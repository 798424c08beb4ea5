"""CI / CO over SMS: check in with a valid declaration, declare first when there is
none, repeats, check-in elsewhere, check-out, typos in the code."""

from datetime import timedelta

import pytest

from gateway import runtime as runtimes
from gateway.codes import new_venue_code, parse_venue_code
from gateway.flows.messages import render
from gateway.store.db import transaction
from gateway.store.models import Visit, utcnow
from gateway.visits import close_forgotten_visits
from tests.checkin.conftest import declared, visits
from tests.conftest import Phone
from tests.declare.conftest import ME, converse, declarations
from tests.declare.test_sms import NEW_USER


def test_check_in_with_a_valid_declaration(app, me, inbox, market):
    declared(me, inbox)
    reply = me.sms(f"CI {market['code']}")
    assert reply.startswith(f"Da check-in tai {market['name']} luc ")
    [visit] = visits(app)
    assert (visit.phone, visit.venue_id, visit.channel, visit.closed_by) == (
        ME, market["id"], "sms", None)
    assert visit.declaration_id == declarations(app)[0].id


@pytest.mark.parametrize("spelling", ["CI {c}", "ci {c}", "checkin {c}", "Check-in {c}",
                                      "CI {a} {b}", "CI{c}"])
def test_every_spelling_of_the_keyword_and_code(app, me, inbox, market, spelling):
    declared(me, inbox)
    code = market["code"]
    assert me.sms(spelling.format(c=code, a=code[:3], b=code[3:])).startswith("Da check-in")


def test_without_a_declaration_the_form_runs_first_then_the_check_in(app, me, inbox, market):
    first = me.sms(f"CI {market['code']}")
    assert first.startswith(f"Can khai bao y te truoc khi check-in tai {market['name']}.")
    assert "Da gui ma 6 so" in first
    converse(me, [(inbox.otp(), "Nhap ho va ten"), *NEW_USER])
    done = me.sms("1")
    assert done.startswith("Da khai bao (ma ") and f"check-in tai {market['name']}" in done
    [visit] = visits(app)
    assert visit.declaration_id == declarations(app)[0].id


def test_a_repeat_within_the_window_is_answered_not_recorded(app, me, inbox, market):
    declared(me, inbox)
    first = me.sms(f"CI {market['code']}")
    again = me.sms(f"CI {market['code']}")
    assert again.startswith(f"Ban da check-in tai {market['name']} luc ")
    assert first.split("luc ")[1][:5] == again.split("luc ")[1][:5]
    assert len(visits(app)) == 1


def test_checking_in_elsewhere_closes_the_open_visit(app, me, inbox, market, hospital):
    declared(me, inbox)
    me.sms(f"CI {market['code']}")
    me.sms(f"CI {hospital['code']}")
    first, second = visits(app)
    assert first.closed_by == "elsewhere" and first.checked_out_at is not None
    assert second.venue_id == hospital["id"] and second.checked_out_at is None


def test_check_out_closes_the_open_visit(app, me, inbox, market):
    declared(me, inbox)
    assert me.sms("CO") == "Ban khong co check-in nao dang mo."
    me.sms(f"CI {market['code']}")
    assert me.sms("CO").startswith(f"Da check-out khoi {market['name']} luc ")
    [visit] = visits(app)
    assert visit.closed_by == "checkout"
    assert me.sms("CO") == "Ban khong co check-in nao dang mo."


def test_check_out_with_a_code_must_name_the_open_visit(app, me, inbox, market, hospital):
    declared(me, inbox)
    me.sms(f"CI {market['code']}")
    assert me.sms(f"CO {hospital['code']}").startswith(f"Ban dang check-in tai {market['name']}")
    assert me.sms(f"CO {market['code']}").startswith("Da check-out")


def mistyped(code: str) -> list[str]:
    """Every single-digit error and adjacent swap of `code`."""
    wrong = {code[:i] + d + code[i + 1:] for i in range(7) for d in "0123456789"}
    wrong |= {code[:i] + code[i + 1] + code[i] + code[i + 2:] for i in range(6)}
    return sorted(w for w in wrong if w != code)


def test_a_mistyped_code_is_refused_never_another_venue(app, me, inbox, market):
    declared(me, inbox)
    for wrong in mistyped(market["code"])[:12]:
        assert parse_venue_code(wrong) is None
        reply = me.sms(f"CI {wrong}")
        assert reply.startswith("Ma dia diem khong dung"), reply
    assert visits(app) == []


def test_a_well_formed_code_of_no_venue(app, me, inbox, market):
    declared(me, inbox)
    nowhere = new_venue_code()  # a right check digit, registered to no venue
    while nowhere == market["code"]:
        nowhere = new_venue_code()
    assert parse_venue_code(nowhere) == nowhere
    assert me.sms(f"CI {nowhere}") == (
        f"Khong co dia diem nao mang ma {nowhere}. Kiem tra lai poster.")
    assert visits(app) == []


def test_ci_without_a_code_asks_for_it(app, me, inbox, market):
    declared(me, inbox)
    assert me.sms("CI") == "Nhap ma dia diem (7 chu so tren poster):"
    assert me.sms("123").startswith("Ma dia diem khong dung")
    assert me.sms(market["code"]).startswith("Da check-in")


def test_status_shows_the_open_check_in(me, inbox, market):
    declared(me, inbox)
    me.sms(f"CI {market['code']}")
    status = me.sms("TT")
    assert status.startswith("Ma khai bao y te: ")
    assert f"\nDang check-in tai {market['name']} tu " in status


def test_forgotten_visits_close_automatically(app, me, inbox, market):
    declared(me, inbox)
    me.sms(f"CI {market['code']}")
    assert close_forgotten_visits() == 0
    with transaction(runtimes.of(app).sessions) as session:
        visit = session.query(Visit).one()
        visit.checked_in_at = utcnow() - timedelta(hours=9)
    assert close_forgotten_visits() == 1
    [visit] = visits(app)
    assert visit.closed_by == "auto"
    assert visit.checked_out_at - visit.checked_in_at == timedelta(hours=8)
    assert me.sms("CO") == "Ban khong co check-in nao dang mo."


def test_a_new_phone_checking_in_answers_the_notice_first(app, client, inbox, market):
    stranger = Phone(client, "+84912000777")
    first = stranger.sms(f"CI {market['code']}")
    assert first == "\n".join([
        f"Can khai bao y te truoc khi check-in tai {market['name']}.",
        render("consent.ask", "vi")])
    assert stranger.sms("2") == render("consent.refused", "vi")
    assert visits(app) == [] and declarations(app) == []
