"""KH (khai hộ) over SMS: declaring for a family member, with and without their phone,
and the OTP rules seen by a citizen."""

from dataclasses import replace

from gateway import create_app
from gateway import runtime as runtimes
from gateway.store import phones
from tests.conftest import Phone
from tests.declare.conftest import ME, MEMBER, converse, declarations

MEMBER_FORM = [
    ("2", "Ho va ten day du cua nguoi duoc khai ho"),
    ("Nguyen Thi Be", "Nam sinh"), ("2015", "Gioi tinh"), ("2", "So CCCD"),
    ("0", "BHYT"), ("0", "Tinh/thanh"), ("tp hcm", "Xa/phuong o Thanh pho Ho Chi Minh"),
    ("ben thanh", "So nha"), ("1 Le Loi", "trieu chung"), ("0", "tiep xuc"),
    ("2", "vung co dich"), ("2", "Nguyen Thi Be, 2015, Nu."),
]


def verified_declarer(me, inbox) -> None:
    """KH starts by proving the declarer's own phone."""
    assert "Da gui ma 6 so toi +849*****678" in me.sms("KH")
    assert me.sms(inbox.otp(ME)).startswith("Khai ho. So dien thoai")


def test_member_with_a_phone_reads_their_code_to_the_declarer(app, me, inbox):
    verified_declarer(me, inbox)
    assert "Da gui ma 6 so toi +849*****321" in me.sms("0987 654 321")
    [member_sms] = inbox.messages(MEMBER)
    assert "dang khai bao y te ho ban" in member_sms["body"] and "+849*****678" in member_sms[
        "body"]
    converse(me, [(inbox.otp(MEMBER), "Quan he voi ban"), *MEMBER_FORM])
    assert me.sms("1").startswith("Da khai bao. Ma: ")
    [record] = declarations(app)
    assert (record.declarer_phone, record.subject_phone, record.relation) == (
        ME, MEMBER, "child")
    assert (record.verification, record.full_name, record.ward_name) == (
        "otp", "Nguyen Thi Be", "Phường Bến Thành")
    with runtimes.of(app).sessions() as session:
        # The member proved their phone for this declaration only.
        assert not phones.is_verified(phones.find(session, MEMBER))


def test_member_without_a_phone_is_tied_to_the_declarer(app, me, inbox):
    verified_declarer(me, inbox)
    converse(me, [("0", "Quan he voi ban"), *MEMBER_FORM])
    me.sms("1")
    [record] = declarations(app)
    assert (record.subject_phone, record.relation, record.verification) == (
        None, "child", "declarer")
    assert len(inbox.messages(ME)) == 1  # only the declarer's own code


def test_a_declaration_for_a_member_is_not_the_declarers_status(me, inbox):
    verified_declarer(me, inbox)
    converse(me, [("0", "Quan he voi ban"), *MEMBER_FORM, ("1", "Da khai bao")])
    assert "Ban chua co khai bao y te con hieu luc" in me.sms("TT")


def test_wrong_member_code_counts_down_then_locks(app, me, inbox):
    verified_declarer(me, inbox)
    me.sms(MEMBER)
    right = inbox.otp(MEMBER)
    wrong = "000000" if right != "000000" else "111111"
    for left in (4, 3, 2, 1):
        assert me.sms(wrong) == f"Ma khong dung, con {left} lan thu. Nhap lai ma 6 so."
    assert me.sms(wrong) == "Nhap sai qua nhieu lan, ma da bi huy. Gui KH de nhan ma moi."
    assert declarations(app) == []
    assert me.sms(right).startswith("KB: khai bao y te")  # the dialogue is over


def test_a_code_is_six_digits(me, inbox):
    me.sms("KB")
    assert me.sms("12345").startswith("Ma xac thuc gom 6 chu so.")


def test_an_expired_code_is_refused_with_the_way_out(me, inbox, redis):
    me.sms("KB")
    code = inbox.otp()
    redis.delete(f"otp:code:{ME}")  # five minutes passed
    assert me.sms(code) == "Ma da het han hoac da dung. Gui KB de nhan ma moi."


def test_a_fourth_code_within_fifteen_minutes_is_refused_with_when_to_retry(me, inbox):
    for _ in range(3):
        assert "Da gui ma" in me.sms("KB")
    refused = me.sms("KB")
    assert refused.startswith("Ban da yeu cau qua nhieu ma xac thuc. Vui long thu lai sau ")
    minutes = int(refused.split("sau ")[1].split(" ")[0])
    assert 1 <= minutes <= 15
    assert len(inbox.messages(ME)) == 3


def test_the_global_ceiling_stops_sms_pumping(config, inbox):
    """Many numbers asking for codes at once (SMS pumping) hit a global ceiling; the
    phone is told the service is busy, not that it asked too often."""
    app = create_app(replace(config, otp_global_per_minute=2))
    client = app.test_client()
    replies = [Phone(client, f"+8491234{n:04d}").agreed().sms("KB") for n in range(3)]
    assert ["Da gui ma" in reply for reply in replies] == [True, True, False]
    assert replies[2].startswith("He thong dang qua tai. Vui long thu lai sau ")
