"""The privacy notice and consent before a phone's first declaration, over SMS and
USSD: agree, refuse (nothing kept but the refusal), anything else asked again, a phone
that agreed is not asked again, HUY DONG Y / WITHDRAW and the question after it,
English, and CONSENT_MODE=legal_basis (the notice without the question)."""

from dataclasses import replace

import pytest
from sqlalchemy import select

from gateway import create_app
from gateway import runtime as runtimes
from gateway.actions.consents import notice_version
from gateway.flows.consent import notice_hash
from gateway.flows.consent import notice_version as derived_version
from gateway.flows.messages import render
from gateway.store import dialogues
from gateway.store.models import Consent, DataRequest, Declaration
from gateway.store.models import Phone as PhoneRow
from tests.conftest import Phone
from tests.declare.conftest import ME, MEMBER, Inbox, converse, declarations
from tests.declare.test_sms import NEW_USER
from tests.declare.test_ussd import FORM, walk

ASK = render("consent.ask", "vi")
ASK_USSD = render("consent.ask", "vi", channel="ussd")
REFUSED = render("consent.refused", "vi")
BASIS = "art19_1c"


def consents(app) -> list[tuple[str, str, str, str | None]]:
    """Every consent row as (phone, channel, answer, legal basis), oldest first."""
    with runtimes.of(app).sessions() as session:
        return [(c.phone, c.channel, c.answer, c.legal_basis) for c in session.scalars(
            select(Consent).order_by(Consent.id))]


@pytest.fixture
def stranger(client) -> Phone:
    """A phone that never answered the notice."""
    return Phone(client, ME)


def test_first_declaration_asks_for_consent_before_anything_else(app, stranger, inbox):
    assert stranger.sms("KB") == ASK
    assert ASK.endswith("1 Dong y\n2 Khong") and "DULIEU" in ASK and "XOA" in ASK
    assert inbox.messages(ME) == []  # no OTP before the answer
    assert "Da gui ma 6 so toi +849*****678" in stranger.sms("1")
    converse(stranger, [(inbox.otp(), "Nhap ho va ten"), *NEW_USER])
    assert stranger.sms("1").startswith("Da khai bao. Ma: ")
    [record] = declarations(app)
    with runtimes.of(app).sessions() as session:
        [row] = session.scalars(select(Consent)).all()
        assert (row.phone, row.channel, row.answer, row.operator) == (ME, "sms", "agree", None)
        assert row.notice_version == derived_version() == notice_version(runtimes.of(app).config)
        assert row.notice_hash == notice_hash(ASK)
    assert record.consent_id == row.id
    assert not any(key.startswith("consent") for key in record.answers)


def test_a_phone_that_agreed_is_not_asked_again(app, stranger, inbox):
    stranger.sms("KB")
    stranger.sms("1")
    converse(stranger, [(inbox.otp(), "Nhap ho va ten"), *NEW_USER, ("1", "Da khai bao")])
    assert stranger.sms("KB").startswith("Co phai ban: Nguyen Van An")
    assert [answer for _, _, answer, _ in consents(app)] == ["agree"]


@pytest.mark.parametrize("reply", ["3", "ok", "", "12", "Nguyen Van An"])
def test_anything_but_1_or_2_is_asked_again_never_taken_as_yes(app, stranger, reply):
    stranger.sms("KB")
    answer = stranger.sms(reply)
    assert answer == render("invalid.choice", "vi", {"choices": "1, 2"}) + "\n" + ASK
    assert consents(app) == []


def test_refusal_ends_politely_and_keeps_nothing_but_the_refusal(app, stranger, inbox, redis):
    stranger.sms("KB")
    assert stranger.sms("2") == REFUSED
    assert consents(app) == [(ME, "sms", "refuse", None)]
    assert declarations(app) == [] and inbox.messages(ME) == []
    assert redis.get(dialogues.resume_key("sms", ME)) is None  # no draft kept to resume
    assert stranger.sms("1") == render("help", "vi")  # the dialogue is over
    assert stranger.sms("KB") == ASK  # asked again next time


def withdrawals(app) -> list[tuple[str, str, str | None, str]]:
    """The withdrawal requests: phone, channel, outcome, reason."""
    with runtimes.of(app).sessions() as session:
        return [(r.phone, r.channel, r.outcome, r.reason) for r in session.scalars(
            select(DataRequest).where(DataRequest.kind == "withdrawal")
            .order_by(DataRequest.id))]


def test_withdrawal_is_confirmed_and_the_next_declaration_asks_again(app, client):
    phone = Phone(client, ME).agreed()
    assert phone.sms("HUY DONG Y") == render("consent.withdrawn", "vi")
    assert [answer for _, _, answer, _ in consents(app)] == ["agree", "withdraw"]
    # Also a data-subject request, answered and done by the reply itself.
    assert withdrawals(app) == [(ME, "sms", "done", "")]
    assert phone.sms("KB") == ASK
    assert phone.sms("2") == REFUSED
    assert phone.sms("WITHDRAW") == render("consent.nothing_to_withdraw", "vi")
    assert [answer for _, _, answer, _ in consents(app)] == ["agree", "withdraw", "refuse"]
    assert len(withdrawals(app)) == 1  # nothing to withdraw: no request either


def test_withdrawal_in_the_middle_of_a_form_closes_it(app, me, inbox, redis):
    me.sms("KB")
    converse(me, [(inbox.otp(), "Nhap ho va ten"), *NEW_USER[:2]])
    assert me.sms("huy dong y") == render("consent.withdrawn", "vi")
    assert redis.get(dialogues.resume_key("sms", ME)) is None  # no form to resume
    assert me.sms("1") == render("help", "vi")
    assert declarations(app) == []


def test_english(app, stranger):
    stranger.sms("EN")
    english = render("consent.ask", "en")
    assert stranger.sms("DECLARE") == english and english.endswith("1 Agree\n2 No")
    assert stranger.sms("no") == render("consent.refused", "en")
    assert stranger.sms("WITHDRAW") == render("consent.nothing_to_withdraw", "en")
    with runtimes.of(app).sessions() as session:
        [row] = session.scalars(select(Consent)).all()
        assert (row.answer, row.notice_hash) == ("refuse", notice_hash(english))


def test_family_declaration_asks_the_declarer(app, stranger, inbox):
    assert stranger.sms("KH") == ASK
    assert "Da gui ma 6 so toi +849*****678" in stranger.sms("1")
    assert stranger.sms(inbox.otp(ME)).startswith("Khai ho. So dien thoai")
    assert consents(app) == [(ME, "sms", "agree", None)]
    assert inbox.messages(MEMBER) == []


def test_ussd_shows_the_notice_as_one_screen_and_records_the_answer(app, client, inbox):
    phone = Phone(client, ME)
    phone.dial()
    assert phone.press("1") == "CON " + ASK_USSD
    walk(phone, [("1", "CON Khai bao y te. Nhap ho va ten"), *FORM])
    assert phone.press("1").startswith("END Da khai bao")
    assert consents(app) == [(ME, "ussd", "agree", None)]
    with runtimes.of(app).sessions() as session:
        record = session.scalars(select(Declaration)).one()
        row = session.scalars(select(Consent)).one()
        assert record.consent_id == row.id and row.notice_hash == notice_hash(ASK_USSD)


def test_ussd_refusal_ends_the_session(app, client):
    phone = Phone(client, ME)
    phone.dial()
    phone.press("1")
    assert phone.press("9").startswith("CON Lua chon khong hop le")
    assert phone.press("2") == "END " + REFUSED
    assert consents(app) == [(ME, "ussd", "refuse", None)]
    with runtimes.of(app).sessions() as session:
        assert session.scalars(select(PhoneRow.number)).all() == [ME]  # no more than that


@pytest.fixture
def basis_app(app, config):
    """A deployment under a legal basis instead of consent (`app` first: a clean
    database)."""
    return create_app(replace(config, consent_mode="legal_basis", consent_legal_basis=BASIS))


def test_legal_basis_sends_the_notice_without_asking(basis_app, twilio_standin):
    phone, inbox = Phone(basis_app.test_client(), ME), Inbox(basis_app, twilio_standin)
    reply = phone.sms("KB")
    notice = render("consent.notice", "vi")
    assert reply.startswith(notice + "\n") and "Da gui ma 6 so toi +849*****678" in reply
    converse(phone, [(inbox.otp(), "Nhap ho va ten"), *NEW_USER, ("1", "Da khai bao")])
    assert consents(basis_app) == [(ME, "sms", "legal_basis", BASIS)]
    assert phone.sms("KB").startswith("Co phai ban")  # told once under this basis
    assert phone.sms("HUY").startswith("Da huy")
    assert phone.sms("HUY DONG Y") == render("consent.withdraw_basis", "vi")
    assert consents(basis_app)[-1] == (ME, "sms", "withdraw", BASIS)
    [(_, _, outcome, reason)] = withdrawals(basis_app)
    assert outcome == "done" and reason.startswith(f"processing rests on legal basis {BASIS}")
    assert phone.sms("KB").startswith(notice)  # told again after the withdrawal


def test_legal_basis_over_ussd_shows_the_notice_screen(basis_app):
    phone = Phone(basis_app.test_client(), ME)
    phone.dial()
    screen = phone.press("1")
    assert screen.startswith("CON " + render("consent.notice", "vi", channel="ussd"))
    assert consents(basis_app) == [(ME, "ussd", "legal_basis", BASIS)]
