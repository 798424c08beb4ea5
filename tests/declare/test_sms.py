"""KB over SMS, transcript by transcript: a new user, a returning user, risk,
invalid answers, cancel, expiry and resume, commune choice, and the record written."""

from datetime import timedelta

import pytest

from gateway import runtime as runtimes
from gateway.codes import parse_declaration_code
from gateway.flows.declaration import FORM_VERSION
from gateway.store import phones
from gateway.store.models import utcnow
from gateway.text import to_gsm
from tests.declare.conftest import ME, SENDER, converse, declarations

NEW_USER = [
    ("Nguyễn Văn An", "Nam sinh"),
    ("1980", "Gioi tinh"),
    ("1", "So CCCD"),
    ("0123 4567 8901", "BHYT"),
    ("0", "Tinh/thanh pho"),
    ("ha noi", "Xa/phuong o Thanh pho Ha Noi"),
    ("hoan kiem", "So nha"),
    ("12 Hàng Bạc", "trieu chung"),
    ("0", "tiep xuc"),
    ("2", "vung co dich"),
    ("2", "Nguyen Van An, 1980, Nam. 12 Hang Bac, Phuong Hoan Kiem, Thanh pho Ha Noi. "
          "Trieu chung: khong. Tiep xuc: khong. Di lai: khong. 1 Gui 2 Lam lai"),
]


def declare_as_new_user(me, inbox) -> str:
    assert "Da gui ma 6 so toi +849*****678" in me.sms("KB")
    converse(me, [(inbox.otp(), "Nhap ho va ten"), *NEW_USER])
    return me.sms("1")


def test_new_user_declares_end_to_end(app, me, inbox):
    done = declare_as_new_user(me, inbox)
    assert done.startswith("Da khai bao. Ma: ")
    [record] = declarations(app)
    assert record.code in done and parse_declaration_code(record.code) == record.code
    assert (record.declarer_phone, record.subject_phone, record.relation) == (ME, ME, "self")
    assert (record.full_name, record.birth_year, record.gender) == ("Nguyễn Văn An", 1980, "male")
    assert (record.id_type, record.id_number, record.insurance_number) == (
        "cccd", "012345678901", None)
    assert (record.province_code, record.ward_name, record.street) == (
        1, "Phường Hoàn Kiếm", "12 Hàng Bạc")
    assert (record.symptoms, record.contact, record.travel) == ([], False, False)
    assert (record.risk, record.follow_up) == ("low", False)
    assert (record.channel, record.verification, record.form_version) == (
        "sms", "otp", FORM_VERSION)
    assert abs(record.valid_until - record.created_at - timedelta(hours=24)) < timedelta(
        seconds=1)
    assert record.answers["name"] == "Nguyễn Văn An" and "self_code" not in record.answers


def test_the_otp_goes_out_alone_from_the_sender_with_a_warning(me, inbox, twilio_standin):
    me.sms("KB")
    [otp] = inbox.messages(ME)
    assert otp["from"] == SENDER
    assert "KHONG chia se" in otp["body"] and "5 phut" in otp["body"]
    assert len(otp["body"]) <= 160


def test_a_verified_phone_is_not_asked_again_and_stays_verified_a_day(app, me, inbox):
    declare_as_new_user(me, inbox)
    with runtimes.of(app).sessions() as session:
        phone = phones.find(session, ME)
        assert phones.is_verified(phone)
        assert phone.verified_until - utcnow() > timedelta(hours=23)
    assert me.sms("KB").startswith("Co phai ban: Nguyen Van An, 1980, Phuong Hoan Kiem?")
    assert len(inbox.messages(ME)) == 1  # no second OTP


def test_returning_user_confirms_identity_and_goes_straight_to_symptoms(app, me, inbox):
    declare_as_new_user(me, inbox)
    converse(me, [("KB", "Co phai ban"), ("1", "trieu chung"), ("1 3", "tiep xuc"),
                  ("2", "vung co dich"), ("2", "Trieu chung: Sot, Kho tho")])
    done = me.sms("1")
    assert "nguy co" in done and "1022" in done
    first, second = declarations(app)
    assert (second.full_name, second.ward_code, second.street) == (
        first.full_name, first.ward_code, first.street)
    assert (second.symptoms, second.risk, second.follow_up) == ([1, 3], "high", True)
    assert second.code != first.code


def test_returning_user_who_is_someone_else_answers_again(me, inbox):
    declare_as_new_user(me, inbox)
    converse(me, [("KB", "Co phai ban"), ("2", "Nhap ho va ten")])


@pytest.mark.parametrize(("answer", "field"), [("1", "contact"), ("2", "travel")])
def test_exposure_alone_makes_the_declaration_high_risk(app, me, inbox, answer, field):
    declare_as_new_user(me, inbox)
    exposure = {"contact": [("1", "vung co dich"), ("2", "1 Gui")],
                "travel": [("2", "vung co dich"), ("1", "1 Gui")]}[field]
    converse(me, [("KB", "Co phai ban"), ("1", "trieu chung"), ("0", "tiep xuc"), *exposure])
    assert "1022" in me.sms("1")
    assert declarations(app)[-1].risk == "high"


def test_status_before_and_after_declaring(me, inbox):
    assert "Gui KB de khai bao" in me.sms("TT")
    done = declare_as_new_user(me, inbox)
    code = done.split("Ma: ")[1][:8]
    assert f"Ma khai bao y te: {code}, hieu luc den" in me.sms("TT")


INVALID = [
    ("name", "x" * 500, "Qua dai: toi da 60 ky tu."),
    ("birth_year", "1800", "Nam sinh khong hop le"),
    ("gender", "9", "Lua chon khong hop le"),
    ("id_number", "12345", "So giay to khong hop le"),
    ("insurance", "abc", "So BHYT gom"),
    ("province", "99", "Khong tim thay tinh/thanh"),
    ("commune", "khong co xa nay", "Khong tim thay xa/phuong"),
    ("symptoms", "abc", "Nhap 0, hoac cac so tu 1 den 6"),
    ("contact", "5", "Tra loi 1 (co) hoac 2 (khong)"),
]


@pytest.mark.parametrize(("step", "bad", "reason"), INVALID, ids=[s for s, _, _ in INVALID])
def test_each_invalid_answer_is_explained_and_asked_again(me, inbox, step, bad, reason):
    me.sms("KB")
    answers = dict(zip(["name", "birth_year", "gender", "id_number", "insurance", "province",
                        "commune", "street", "symptoms", "contact"],
                       [a for a, _ in NEW_USER], strict=False))
    me.sms(inbox.otp())
    for name, good in answers.items():
        if name == step:
            break
        me.sms(good)
    question = me.sms(bad)
    assert question.startswith(reason)
    assert me.sms(answers[step]) != question  # the right answer moves on


def test_too_many_invalid_answers_end_politely_and_save_nothing(app, me, inbox):
    assert "Da gui ma" in me.sms("KB")
    converse(me, [(inbox.otp(), "ho va ten"), ("An", "Nam sinh"),
                  ("1800", "khong hop le"), ("abcd", "khong hop le")])
    assert "Qua nhieu lan nhap sai" in me.sms("3000")
    assert declarations(app) == []
    assert me.sms("1980").startswith("KB: khai bao y te")  # the dialogue is over


def test_cancel_at_any_step_saves_nothing_and_forgets_the_form(app, me, inbox):
    assert "Da gui ma" in me.sms("KB")
    converse(me, [(inbox.otp(), "ho va ten"), ("An", "Nam sinh"),
                  ("1980", "Gioi tinh")])
    assert me.sms("HUY").startswith("Da huy")
    assert declarations(app) == []
    assert me.sms("1").startswith("KB: khai bao y te")  # no offer to resume


def test_expired_dialogue_is_offered_to_resume(app, me, inbox, redis):
    assert "Da gui ma" in me.sms("KB")
    converse(me, [(inbox.otp(), "ho va ten"), ("An", "Nam sinh"),
                  ("1980", "Gioi tinh")])
    redis.delete(f"dlg:sms:{ME}")  # 30 minutes of silence
    assert me.sms("1") == "Ban co to khai chua hoan thanh.\n1 Tiep tuc\n2 Lam lai tu dau"
    assert me.sms("1") == "Gioi tinh: 1 Nam, 2 Nu, 3 Khac"
    assert me.sms("2").startswith("So CCCD")


def test_keyword_after_expiry_offers_resume_and_can_start_over(me, inbox, redis):
    assert "Da gui ma" in me.sms("KB")
    converse(me, [(inbox.otp(), "ho va ten"), ("An", "Nam sinh")])
    redis.delete(f"dlg:sms:{ME}")
    assert me.sms("KB").startswith("Ban co to khai chua hoan thanh")
    assert me.sms("2").startswith("Khai bao y te. Nhap ho va ten")  # still verified


def test_an_ambiguous_commune_offers_the_best_matches(app, me, inbox):
    assert "Da gui ma" in me.sms("KB")
    converse(me, [(inbox.otp(), "ho va ten"), *NEW_USER[:6]])
    choices = me.sms("ba")
    assert choices.startswith("Chon xa/phuong:\n1 ")
    second = choices.split("\n")[2].split(" ", 1)[1]
    converse(me, [("2", "So nha"), ("5 Ngo Ba", "trieu chung"), ("0", "tiep xuc"),
                  ("2", "vung co dich"), ("2", second)])
    me.sms("1")
    assert to_gsm(declarations(app)[0].ward_name) == second  # stored with its diacritics


def test_start_over_at_the_summary_asks_the_name_again(me, inbox):
    declare_as_new_user(me, inbox)
    converse(me, [("KB", "Co phai ban"), ("1", "trieu chung"), ("0", "tiep xuc"),
                  ("2", "vung co dich"), ("2", "1 Gui 2 Lam lai"),
                  ("2", "Nhap ho va ten")])


def test_english_replies(me, inbox):
    me.sms("EN")
    assert "A 6-digit code was sent" in me.sms("KB")
    assert me.sms(inbox.otp()).startswith("Health declaration. Enter your full name")
