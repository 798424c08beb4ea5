"""DULIEU and XOA end to end over SMS: the summary and its limit, the erasure confirmed
by the OTP the phone really received, a wrong code, a repeated XOA, an active case."""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from gateway import runtime as runtimes
from gateway.store.models import (
    AuditEntry,
    DataRequest,
    Declaration,
    InboundMessage,
    Phone,
    QuarantineCase,
    Visit,
)
from tests.conftest import Phone as FeaturePhone
from tests.privacy.conftest import ME, MEMBER, case, count, declare, deleted_events, visit


def requests(app) -> list[DataRequest]:
    with runtimes.of(app).sessions() as session:
        return list(session.scalars(select(DataRequest).order_by(DataRequest.id)))


def test_dulieu_summarises_what_is_held_without_personal_details(app, me):
    declare(app)
    declare(app)
    visit(app)
    case(app)
    reply = me.sms("DULIEU")
    assert reply.splitlines() == [
        "Du lieu luu cho so +849*****678:",
        f"- 2 to khai y te (ho ten, nam sinh, giay to, dia chi, trieu chung), moi nhat "
        f"{reply.split('moi nhat ')[1][:10]}",
        f"- 1 lan check-in, moi nhat {reply.splitlines()[2][-10:]}",
        f"- Dang cach ly den {reply.splitlines()[3][19:29]}: giu den khi ket thuc",
        f"- Ban dong y xu ly du lieu ngay {today()}",
        "Gui XOA de yeu cau xoa. Ho tro: 1022"]
    assert "Nguyen" not in reply and "012345678901" not in reply
    [request] = requests(app)
    assert (request.kind, request.channel, request.outcome) == ("access", "sms", "done")
    assert request.acknowledged_at == request.received_at and request.done_at is not None


def today() -> str:
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%d/%m/%Y")


def test_mydata_in_english_for_a_phone_with_nothing_held(app, client):
    never_asked = FeaturePhone(client, ME)  # DULIEU needs no consent
    never_asked.sms("EN")
    assert never_asked.sms("MYDATA") == ("No data is held for +849*****678 besides recent "
                                         "messages. Help: 1022")


def test_the_summary_says_the_latest_answer_to_the_notice(app, me):
    assert me.sms("HUY DONG Y").startswith("Da rut lai dong y")
    assert me.sms("DULIEU").splitlines() == [
        "Du lieu luu cho so +849*****678:", f"- Ban rut lai dong y ngay {today()}",
        "Gui XOA de yeu cau xoa. Ho tro: 1022"]


def test_dulieu_is_limited_then_silent(app, me):
    for _ in range(3):
        assert me.sms("du lieu").startswith("Du lieu luu cho so")
    assert me.sms("DULIEU") == ("Ban da nhan 3 ban tom tat du lieu trong 24 gio. "
                                "Vui long thu lai sau.")
    assert me.sms("DULIEU") == ""  # no SMS paid for a flood
    assert len(requests(app)) == 3


def test_xoa_with_the_otp_erases_everything_and_says_so(app, me, inbox):
    own = declare(app)
    for_member = declare(app, subject=MEMBER)
    visit_id = visit(app, declaration_id=own)
    closed = case(app, status="closed")
    assert me.sms("XOA").startswith("Yeu cau XOA toan bo du lieu cua ban. Da gui ma 6 so toi "
                                    "+849*****678")
    code_sms = inbox.messages(ME)[-1]["body"]
    assert code_sms.startswith("Ma xac nhan XOA du lieu cua ban:")
    reply = me.sms(inbox.otp())
    [request] = requests(app)
    assert reply.startswith(f"Da nhan yeu cau xoa du lieu so {request.id}. Se xoa xong truoc ")
    inbox.deliver()  # the erasure job, then its SMS
    [request] = requests(app)
    assert (request.kind, request.outcome, request.done_at is not None) == ("erasure", "done",
                                                                            True)
    assert count(app, Declaration, id=own) == 0 and count(app, Visit) == 0
    assert count(app, QuarantineCase) == 0 and count(app, Phone, number=ME) == 0
    assert count(app, InboundMessage, phone=ME) == 0
    assert count(app, Declaration, id=for_member) == 1  # the member's own record
    assert own in deleted_events(app, "declaration")
    assert visit_id in deleted_events(app, "visit")
    assert closed in deleted_events(app, "quarantine_case")
    last = inbox.messages(ME)[-1]["body"]
    assert last == (f"Du lieu cua ban da duoc xoa (yeu cau so {request.id}). Ban ghi dong y "
                    "va yeu cau nay duoc giu lam bang chung. Ho tro: 1022")
    with runtimes.of(app).sessions() as session:
        [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "privacy.erase"))
    assert entry.phone == ME and entry.username == "job:erasure"
    # Left in Redis: the OTP rate-limit window and the line's ticket counter (no content).
    assert set(runtimes.of(app).redis.keys(f"*{ME}*")) == {f"otp:sent:{ME}".encode(),
                                                             f"ticket:phone:{ME}".encode()}


def test_a_wrong_code_erases_nothing(app, me, inbox):
    declare(app)
    me.sms("XOA")
    code = inbox.otp()
    wrong = "000000" if code != "000000" else "111111"
    assert me.sms(wrong) == "Ma khong dung, con 4 lan thu. Nhap lai ma 6 so."
    inbox.deliver()
    assert requests(app) == [] and count(app, Declaration) == 1


def test_a_repeated_xoa_is_answered_not_recorded_twice(app, me, inbox, redis):
    declare(app)
    me.sms("XOA")
    me.sms(inbox.otp())
    [request] = requests(app)
    before = len(inbox.standin.sent_to(ME))
    # The job has not run yet (no worker): XOA again finds the open request, no new OTP.
    assert me.sms("XOA").startswith(f"Yeu cau xoa so {request.id} cua ban dang duoc xu ly")
    assert len(requests(app)) == 1 and len(inbox.standin.sent_to(ME)) == before
    inbox.deliver()
    assert requests(app)[0].outcome == "done"


def test_a_retried_erasure_job_does_no_harm(app, me, inbox):
    from gateway.privacy import erasure
    declare(app)
    me.sms("XOA")
    me.sms(inbox.otp())
    inbox.deliver()
    [request] = requests(app)
    with app.app_context():
        assert erasure.run(request.id) == "nothing to do"
    assert requests(app)[0].done_at == request.done_at


def test_xoa_keeps_an_active_case_and_says_why(app, me, inbox):
    declare(app)
    active = case(app)
    me.sms("XOA")
    reply = me.sms(inbox.otp())
    assert "Ho so cach ly dang theo doi duoc giu theo luat phong chong dich" in reply
    inbox.deliver()
    [request] = requests(app)
    assert request.outcome == "partial" and "active quarantine case" in request.reason
    assert count(app, QuarantineCase, id=active) == 1 and count(app, Declaration) == 0
    assert count(app, Phone, number=ME) == 1  # the reminders still need it
    assert inbox.messages(ME)[-1]["body"] == (
        f"Da xoa du lieu (yeu cau {request.id}), tru ho so cach ly dang theo doi (giu den khi "
        "ket thuc), ban ghi dong y va yeu cau nay (bang chung). Ho tro: 1022")


def test_the_summary_window_starts_with_the_first_request(app, me, redis):
    me.sms("DULIEU")
    assert 0 < redis.ttl(f"privacy:access:{ME}") <= 24 * 3600
    redis.delete(f"privacy:access:{ME}")  # the window is over
    for _ in range(3):
        assert me.sms("DULIEU").startswith("Du lieu luu cho so")


def test_a_failed_summary_turn_gives_its_count_back(app, me, redis, monkeypatch):
    from gateway.privacy import held

    def broken(*_args):
        raise RuntimeError("database gone mid-turn")
    monkeypatch.setattr(held, "summary", broken)
    assert me.sms("DULIEU").startswith("Xin loi, he thong gap loi.")
    assert redis.get(f"privacy:access:{ME}") == b"0"
    assert requests(app) == []
