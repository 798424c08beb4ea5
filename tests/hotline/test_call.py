"""The operator's call, through the real app: the caller's phone, the OTP the caller
receives from the Twilio stand-in and reads back, the declaration form read by the
flow's parsers, the record and the code by SMS; and what a verified caller may see."""

from __future__ import annotations

from sqlalchemy import select

from gateway import otp
from gateway import runtime as runtimes
from gateway.store.models import Declaration, Phone
from hotline import audit
from tests.hotline.conftest import CALLER, audit_entries, text

FORM = {"name": "Nguyễn Văn An", "birth_year": "1985", "gender": "1", "id_number": "0",
        "insurance": "0", "province": "1", "commune": "hoan kiem", "street": "12 Hàng Bạc",
        "symptoms": "0", "contact": "2", "travel": "2", "consent": "agree"}


def verify(operator, inbox, phone: str = "0912 345 678", number: str = CALLER) -> None:
    """Send the caller a code, read it from their phone, enter it."""
    assert operator.post("/hotline/call", {"phone": phone}).status_code == 302
    response = operator.post("/hotline/call/code", {"code": inbox.otp(number)})
    assert response.headers["Location"].endswith("/hotline/caller")


def declare(operator, answers: dict | None = None) -> str:
    """Fill, confirm and submit the form; the page that shows the code."""
    assert operator.post("/hotline/declare", answers or FORM).status_code == 302
    assert operator.post("/hotline/declare/submit").status_code == 302
    return text(operator.get("/hotline/declare/done"))


def records(app) -> list[Declaration]:
    with runtimes.of(app).sessions() as session:
        return list(session.scalars(select(Declaration).order_by(Declaration.id)))


def test_a_whole_call_records_a_hotline_declaration_and_texts_the_code(app, operator, inbox):
    verify(operator, inbox)
    page = declare(operator)
    [record] = records(app)
    assert record.code in page and "Đã khai báo" in page
    assert (record.channel, record.operator, record.verification) == ("hotline", "op1", "otp")
    assert (record.subject_phone, record.declarer_phone) == (CALLER, CALLER)
    assert (record.full_name, record.birth_year, record.ward_name) == (
        "Nguyễn Văn An", 1985, "Phường Hoàn Kiếm")
    assert record.risk == "low" and record.form_version == "moh-2025.1"
    last_sms = inbox.messages(CALLER)[-1]["body"]
    assert record.code in last_sms and last_sms.startswith("Da khai bao")


def test_the_caller_phone_is_verified_like_after_an_sms_code(app, operator, inbox):
    verify(operator, inbox)
    with runtimes.of(app).sessions() as session:
        phone = session.scalar(select(Phone).where(Phone.number == CALLER))
    assert phone.verified_until is not None


def test_a_bad_phone_is_refused_and_kept(operator):
    response = operator.post("/hotline/call", {"phone": "0123"})
    assert response.status_code == 400
    assert "Số di động không hợp lệ" in text(response) and 'value="0123"' in text(response)
    assert "Vui lòng nhập" in text(operator.post("/hotline/call", {"phone": ""}))


def test_a_wrong_code_says_how_many_tries_are_left_and_keeps_it(operator, inbox):
    operator.post("/hotline/call", {"phone": CALLER})
    right = inbox.otp(CALLER)
    wrong = "000000" if right != "000000" else "111111"
    response = operator.post("/hotline/call/code", {"code": wrong})
    assert response.status_code == 400
    assert "còn 4 lần thử" in text(response) and f'value="{wrong}"' in text(response)
    assert "6 chữ số" in text(operator.post("/hotline/call/code", {"code": "12"}))


def test_nothing_personal_is_shown_before_the_caller_is_verified(app, operator, inbox):
    verify(operator, inbox)
    declare(operator)
    operator.post("/hotline/call/end")
    operator.post("/hotline/call", {"phone": CALLER})  # the same caller, not yet verified
    for path in ("/hotline/caller", "/hotline/declare", "/hotline/caller/checkin",
                 "/hotline/caller/report", "/hotline/declare/confirm"):
        response = operator.get(path)
        assert response.status_code == 302, path
        assert records(app)[0].code not in text(operator.get(path, follow_redirects=True))


def test_a_verified_caller_sees_their_declarations(app, operator, inbox):
    verify(operator, inbox)
    declare(operator)
    page = text(operator.get("/hotline/caller"))
    code = records(app)[0].code
    assert code in page and "Tờ khai còn hiệu lực" in page and "Nguyễn Văn An" in page
    assert [e.action for e in audit_entries(app) if e.phone == CALLER][-1] == "caller.view"


def test_the_form_keeps_what_was_typed_and_explains_each_error(operator, inbox):
    verify(operator, inbox)
    bad = {**FORM, "name": "A", "birth_year": "85", "id_number": "12345", "insurance": "x",
           "commune": "khong co phuong nay", "symptoms": ["0", "1"], "contact": ""}
    response = operator.post("/hotline/declare", bad)
    page = text(response)
    assert response.status_code == 400
    for message in ("ít nhất 2 ký tự", "Năm sinh gồm 4 chữ số", "CCCD 12 số",
                    "Số BHYT gồm 10 số", "Không tìm thấy xã/phường", "không chọn cả hai",
                    "Chọn Có hoặc Không"):
        assert message in page, message
    assert 'value="85"' in page and 'value="khong co phuong nay"' in page
    assert 'value="12 Hàng Bạc"' in page  # a valid answer is kept too


def test_an_ambiguous_commune_asks_which_one(app, operator, inbox):
    verify(operator, inbox)
    response = operator.post("/hotline/declare", {**FORM, "commune": "phu"})
    page = text(response)
    assert response.status_code == 400 and 'name="commune_pick"' in page
    first = page.split('name="commune_pick" value="1"')[1].split("</label>")[0].strip(" >")
    picked = operator.post("/hotline/declare", {**FORM, "commune": "phu", "commune_pick": "1"})
    assert picked.status_code == 302
    declare_page = declare(operator, {**FORM, "commune": "phu", "commune_pick": "1"})
    assert "Đã khai báo" in declare_page
    assert records(app)[-1].ward_name == first


def test_symptoms_make_it_high_risk(app, operator, inbox):
    verify(operator, inbox)
    page = declare(operator, {**FORM, "symptoms": ["1", "3"]})
    record = records(app)[-1]
    assert (record.risk, record.follow_up, record.symptoms) == ("high", True, [1, 3])
    assert "dấu hiệu nguy cơ" in page
    assert inbox.messages(CALLER)[-1]["body"].startswith("Da khai bao, ma ")


def test_a_returning_caller_finds_the_form_filled_in(operator, inbox):
    verify(operator, inbox)
    declare(operator)
    page = text(operator.get("/hotline/declare"))
    assert 'value="Nguyễn Văn An"' in page and 'value="Phường Hoàn Kiếm"' in page
    assert 'value="1" selected' in page  # the province


def test_the_confirm_page_reads_the_answers_back_and_can_go_back(operator, inbox):
    verify(operator, inbox)
    operator.post("/hotline/declare", FORM)
    page = text(operator.get("/hotline/declare/confirm"))
    assert "Thành phố Hà Nội" in page and "Phường Hoàn Kiếm" in page and "Nam" in page
    again = text(operator.get("/hotline/declare"))
    assert 'value="12 Hàng Bạc"' in again


def test_every_step_is_in_the_audit_log(app, operator, inbox):
    verify(operator, inbox)
    operator.get("/hotline/declare")
    declare(operator)
    actions = [(e.username, e.action, e.phone) for e in audit_entries(app)]
    for action in ("otp.send", "otp.verify", "declaration.form", "declaration.create"):
        assert ("op1", action, CALLER) in actions, action


def test_ending_the_call_forgets_the_caller(operator, inbox):
    verify(operator, inbox)
    operator.post("/hotline/call/end")
    assert operator.get("/hotline/caller").status_code == 302


def test_phone_numbers_never_appear_in_urls(operator, inbox):
    verify(operator, inbox)
    declare(operator)
    for path in ("/hotline/caller", "/hotline/declare", "/hotline/call"):
        page = text(operator.get(path))
        for link in __import__("re").findall(r'(?:href|action)="([^"]+)"', page):
            assert "912345678" not in link, link


def test_a_double_submit_writes_one_declaration(app, operator, inbox):
    verify(operator, inbox)
    operator.post("/hotline/declare", FORM)
    first = operator.post("/hotline/declare/submit")
    second = operator.post("/hotline/declare/submit")
    assert first.status_code == 302 and second.status_code == 302
    assert len(records(app)) == 1


def test_the_console_revokes_a_code_whose_transaction_failed(app, operator, monkeypatch):
    issued = []
    real_issue = otp.issue

    def issue(*args, **kwargs):
        issued.append(real_issue(*args, **kwargs))
        return issued[-1]

    def failing(db, user, action, *args):
        if action == "otp.send":
            raise RuntimeError("the audit log is full")

    monkeypatch.setattr(otp, "issue", issue)
    monkeypatch.setattr(audit, "record", failing)
    app.testing = False  # the console answers 500 instead of raising into the test
    assert operator.post("/hotline/call", {"phone": "0912 345 678"}).status_code == 500
    [code] = issued
    rt = runtimes.of(app)
    assert otp.verify(rt.redis, CALLER, code.code, rt.config.effective_secret).result != "ok"
