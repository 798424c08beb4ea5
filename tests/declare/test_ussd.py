"""The declaration over USSD: the same form through menus, verified by the network,
with the province list paged, resume after a dropped session, status and khai hộ."""

from tests.declare.conftest import ME, MEMBER, declarations


def walk(phone, script):
    """Press each key and check the screen contains the expected text."""
    for key, expected in script:
        screen = phone.press(key)
        assert len(screen) <= 182
        assert expected in screen, f"after {key!r}: {screen!r}"
    return screen


FORM = [
    ("Tran Thi C", "Nam sinh"), ("1990", "Gioi tinh"), ("2", "So CCCD"), ("0", "BHYT"),
    ("0", "Chon tinh/thanh pho:\n1 Ha Noi\n2 Cao Bang"),
    ("99", "13 Hai Phong"),
    ("13", "Xa/phuong o Thanh pho Hai Phong"),
    ("le chan", "So nha"), ("5 Tran Phu", "trieu chung"), ("0", "tiep xuc"),
    ("2", "vung co dich"), ("2", "CON Tran Thi C, 1990, Nu. 5 Tran Phu, Phuong Le Chan"),
]


def test_self_declaration_through_the_menu_is_verified_by_the_network(app, me, inbox):
    assert me.dial().startswith("CON Khai bao y te\n1 Khai bao")
    walk(me, [("1", "CON Khai bao y te. Nhap ho va ten"), *FORM])
    done = me.press("1")
    assert done.startswith("END Da khai bao. Ma: ")
    [record] = declarations(app)
    assert (record.channel, record.verification, record.subject_phone) == ("ussd", "network", ME)
    assert (record.province_code, record.ward_name) == (31, "Phường Lê Chân")
    assert record.code in done
    assert inbox.messages(ME) == []  # no OTP: the network asserted the number


def test_a_dropped_session_resumes_on_the_next_dial(app, me):
    me.dial()
    walk(me, [("1", "ho va ten"), *FORM[:3]])  # session drops after the gender question
    assert me.dial() == "CON Ban co to khai chua hoan thanh.\n1 Tiep tuc\n2 Lam lai tu dau"
    assert me.press("1") == "CON So CCCD (12 so), CMND (9 so) hoac ho chieu. Nhap 0 neu khong co:"
    walk(me, FORM[3:])
    assert me.press("1").startswith("END Da khai bao")
    assert declarations(app)[0].full_name == "Tran Thi C"


def test_starting_over_after_a_dropped_session(me):
    me.dial()
    walk(me, [("1", "ho va ten"), *FORM[:2]])
    me.dial()
    assert me.press("2") == "CON Khai bao y te. Nhap ho va ten day du (vd: Nguyen Van A):"


def test_returning_user_is_offered_their_last_answers(app, me):
    me.dial()
    walk(me, [("1", "ho va ten"), *FORM, ("1", "END Da khai bao")])
    me.dial()
    walk(me, [("1", "CON Co phai ban: Tran Thi C, 1990, Phuong Le Chan? 1 Dung 2 Khong"),
              ("1", "trieu chung"), ("abc", "Nhap 0, hoac cac so"), ("25", "tiep xuc"),
              ("2", "vung co dich"), ("2", "Trieu chung: Ho, Met moi")])
    assert "1022" in me.press("1")
    assert declarations(app)[1].risk == "high"


def test_status_from_the_menu(me):
    me.dial()
    assert me.press("4") == "END Ban chua co khai bao y te con hieu luc. Gui KB de khai bao."


def test_main_menu_abandons_the_form(app, me):
    me.dial()
    walk(me, [("1", "ho va ten"), ("Tran Thi C", "Nam sinh"), ("00", "CON Khai bao y te\n1")])
    assert declarations(app) == []


def test_family_member_declared_over_ussd_with_their_code(app, me, inbox):
    me.dial()
    walk(me, [("6", "Khai ho. So dien thoai"), (MEMBER, "Da gui ma 6 so toi +849*****321")])
    walk(me, [(inbox.otp(MEMBER), "Quan he voi ban"), ("1", "nguoi duoc khai ho"),
              *FORM[:-1], ("2", "Tran Thi C, 1990")])
    assert me.press("1").startswith("END Da khai bao")
    [record] = declarations(app)
    assert (record.declarer_phone, record.subject_phone, record.relation, record.channel) == (
        ME, MEMBER, "parent", "ussd")


def test_a_long_name_and_street_reach_the_summary(app, me):
    # `text` is cumulative: with a 60-character name and a 100-character street the
    # summary step's text is near 200 characters; it was refused with a 400 over 160.
    from gateway.flows.declaration import NAME_MAX, STREET_MAX
    name = ("Nguyen Thi " + "Thanh Huong " * 5)[:NAME_MAX].strip()
    street = ("So 12 ngo 34 duong " + "Tran Hung Dao " * 8)[:STREET_MAX].strip()
    script = [(name, "Nam sinh"), *FORM[1:8], (street, "trieu chung"), *FORM[9:11],
              ("2", f"CON {name}, 1990, Nu. {street[:20]}")]
    me.dial()
    summary = walk(me, [("1", "ho va ten"), *script])
    assert len("*".join(me.inputs)) > 160 and summary.startswith("CON ")
    done = me.press("1")
    assert done.startswith("END Da khai bao"), (summary, done)
    [record] = declarations(app)
    assert (record.full_name, record.street) == (name, street)
