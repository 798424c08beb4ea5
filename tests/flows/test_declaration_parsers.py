"""The declaration's own parsers (OTP, insurance number, phone, province, commune/ward,
a pick among candidates) and its helpers (high risk, the ward answered, the summary),
table-driven: every accepted spelling and every refusal."""

import pytest

import gateway.dialogue.router  # noqa: F401 - loads every flow's templates into the catalogue
from gateway.flows.declaration import is_high_risk, summary, ward
from gateway.flows.messages import CATALOGUE, render
from gateway.flows.parsers import InsuranceNumber, Invalid, OtpCode, PhoneOrSkip
from gateway.flows.places import ProvinceName, WardName, WardPick

HA_NOI = {"code": 1, "name": "Thành phố Hà Nội"}
HO_CHI_MINH = {"code": 79, "name": "Thành phố Hồ Chí Minh"}
HOAN_KIEM = {"code": 70, "name": "Phường Hoàn Kiếm"}
HOANG_LIET = {"code": 337, "name": "Phường Hoàng Liệt"}
HOANG_MAI = {"code": 319, "name": "Phường Hoàng Mai"}
PHUONG_LIET = {"code": 352, "name": "Phường Phương Liệt"}
THANH_LIET = {"code": 646, "name": "Phường Thanh Liệt"}


def reason(value) -> str:
    """The reason key of a refusal (fails the test if the answer was accepted)."""
    assert isinstance(value, Invalid), f"accepted: {value!r}"
    assert value.reason in CATALOGUE
    return value.reason


@pytest.mark.parametrize(("text", "value"), [
    ("123456", "123456"), ("123 456", "123456"), ("123.456", "123456"),
    ("123-456", "123456"), (" 123456 ", "123456"), ("1 2 3 4 5 6", "123456"),
    ("000000", "000000"),       # leading zeros kept: the code is text, not a number
    ("１２３４５６", "123456"),  # full-width digits from some keyboards
])
def test_otp_accepts(text, value):
    assert OtpCode()(text) == value


@pytest.mark.parametrize("text", ["12345", "1234567", "abcdef", "12345a", "", "   ",
                                  "123 4567", "one two"])
def test_otp_refuses(text):
    assert reason(OtpCode()(text)) == "invalid.otp"


@pytest.mark.parametrize(("text", "value"), [
    ("1234567890", "1234567890"), ("0123456789", "0123456789"),
    ("123 456 7890", "1234567890"), ("123.456.7890", "1234567890"),
    ("DN4010123456789", "DN4010123456789"), ("dn4010123456789", "DN4010123456789"),
    ("DN 401 0123456789", "DN4010123456789"), ("DN-4010-1234-56789", "DN4010123456789"),
    ("HC4797921234567", "HC4797921234567"),
    ("0", None), (" 0 ", None), ("0.", None),
])
def test_insurance_accepts(text, value):
    assert InsuranceNumber()(text) == value


@pytest.mark.parametrize("text", [
    "00", "123456789", "12345678901", "D4010123456789", "DN401012345678",
    "DN40101234567890", "DNA401012345678", "4010123456789DN", "D14010123456789", "abc",
    "", " ", "khong",
])
def test_insurance_refuses(text):
    assert reason(InsuranceNumber()(text)) == "invalid.insurance"


@pytest.mark.parametrize(("text", "value"), [
    ("0", None), (" 0 ", None), ("0.", None),
    ("0912345678", "+84912345678"), ("+84 91 234 5678", "+84912345678"),
    ("84912345678", "+84912345678"), ("0912.345.678", "+84912345678"),
    ("091-234-5678", "+84912345678"),
])
def test_phone_or_skip_accepts(text, value):
    assert PhoneOrSkip()(text) == value


@pytest.mark.parametrize("text", ["123", "", "00", "abc", "09123456789", "091234567",
                                  "024 3825 1234",    # a Ha Noi landline
                                  "0912 abc 678"])
def test_phone_or_skip_refuses(text):
    assert reason(PhoneOrSkip()(text)) == "invalid.phone"


@pytest.mark.parametrize(("text", "value"), [
    ("1", HA_NOI), ("ha noi", HA_NOI), ("Hà Nội", HA_NOI), ("HN", HA_NOI),
    ("thanh pho ha noi", HA_NOI),
    ("28", HO_CHI_MINH), ("tp hcm", HO_CHI_MINH), ("sai gon", HO_CHI_MINH),
    ("binh duong", HO_CHI_MINH),            # merged into Ho Chi Minh City in 2025
    ("34", {"code": 96, "name": "Cà Mau"}), ("bac lieu", {"code": 96, "name": "Cà Mau"}),
])
def test_province_name_accepts(text, value):
    assert ProvinceName()(text) == value


@pytest.mark.parametrize("text", ["0", "35", "xyz", "", "1 2"])
def test_province_name_refuses(text):
    refused = ProvinceName()(text)
    assert reason(refused) == "invalid.province"
    assert refused.vars == {"count": 34}


def test_province_name_says_what_it_accepts():
    assert ProvinceName().accepts == "1-34 or a province name"


IN_HA_NOI = {"province": HA_NOI}


@pytest.mark.parametrize(("text", "value"), [
    ("hoan kiem", HOAN_KIEM), ("Phường Hoàn Kiếm", HOAN_KIEM), ("phuong hoan kiem", HOAN_KIEM),
    ("hoan kiam", HOAN_KIEM),                       # a misspelling, one clear match
    ("hoan", (HOAN_KIEM, HOANG_LIET, HOANG_MAI)),  # several: a tuple to pick from
    ("phuong liet", PHUONG_LIET),                  # the ward's own name starts 'Phương'
])
def test_ward_name_reads_within_the_province(text, value):
    assert WardName().read(text, IN_HA_NOI) == value


def test_ward_name_offers_at_most_its_limit():
    candidates = WardName(limit=2).read("hoan", IN_HA_NOI)
    assert candidates == (HOAN_KIEM, HOANG_LIET)
    assert len(WardName().read("phu", IN_HA_NOI)) == 4


@pytest.mark.parametrize(("text", "answers"), [
    ("sai gon", IN_HA_NOI), ("", IN_HA_NOI), ("   ", IN_HA_NOI),
    ("hoan kiem", {"province": HO_CHI_MINH}),      # a Ha Noi ward, not in HCMC
])
def test_ward_name_refuses(text, answers):
    assert reason(WardName().read(text, answers)) == "invalid.ward"


def test_ward_name_reads_the_province_under_its_key():
    answers = {"where": HO_CHI_MINH, "province": HA_NOI}
    assert WardName(province_key="where").read("sai gon", answers)["name"] == "Phường Sài Gòn"


def test_ward_name_needs_the_answers():
    assert reason(WardName()("hoan kiem")) == "invalid.ward"


LIET = {"commune": (HOANG_LIET, PHUONG_LIET, THANH_LIET)}


@pytest.mark.parametrize(("text", "value"), [
    ("1", HOANG_LIET), ("2", PHUONG_LIET), (" 3. ", THANH_LIET), ("03", THANH_LIET),
    ("hoang liet", HOANG_LIET), ("Phường Thanh Liệt", THANH_LIET),
    ("thanh liet", THANH_LIET), ("Phường Phương Liệt", PHUONG_LIET),
    ("Phương Liệt", PHUONG_LIET),                  # its name as written on the sign
])
def test_ward_pick_accepts(text, value):
    assert WardPick().read(text, LIET) == value


@pytest.mark.parametrize("text", ["0", "4", "9", "10", "liet", "hoan kiem", "", "1 2"])
def test_ward_pick_refuses(text):
    refused = WardPick().read(text, LIET)
    assert reason(refused) == "invalid.choice"
    assert refused.vars == {"choices": "1-3"}


def test_ward_pick_refuses_a_name_shared_by_two_candidates():
    twins = {"commune": ({"code": 28261, "name": "Phường Mỹ Tho"},
                         {"code": 30076, "name": "Xã Mỹ Thọ"})}
    assert reason(WardPick().read("my tho", twins)) == "invalid.choice"
    assert WardPick().read("2", twins) == {"code": 30076, "name": "Xã Mỹ Thọ"}


def test_ward_pick_needs_the_answers():
    assert reason(WardPick()("1")) == "invalid.ward"


@pytest.mark.parametrize(("answers", "high"), [
    ({}, False),
    ({"symptoms": (), "contact": False, "travel": False}, False),
    ({"symptoms": None, "contact": False, "travel": False}, False),
    ({"symptoms": (1,), "contact": False, "travel": False}, True),
    ({"symptoms": (6,), "contact": False, "travel": False}, True),
    ({"symptoms": (), "contact": True, "travel": False}, True),
    ({"symptoms": (), "contact": False, "travel": True}, True),
    ({"symptoms": (1, 2, 3), "contact": True, "travel": True}, True),
])
def test_is_high_risk(answers, high):
    assert is_high_risk(answers) is high


@pytest.mark.parametrize(("answers", "value"), [
    ({"commune": HOAN_KIEM}, HOAN_KIEM),
    ({"commune": (HOANG_LIET, PHUONG_LIET), "commune_pick": PHUONG_LIET}, PHUONG_LIET),
    ({"commune": HOAN_KIEM, "commune_pick": PHUONG_LIET}, HOAN_KIEM),  # a stale pick
])
def test_ward_answered_directly_or_picked(answers, value):
    assert ward(answers) == value


ANSWERS = {
    "name": "Nguyễn Văn An", "birth_year": 1980, "gender": "female", "street": "12 Hang Bac",
    "province": HA_NOI, "commune": (HOANG_LIET, PHUONG_LIET), "commune_pick": PHUONG_LIET,
    "symptoms": (1, 3), "contact": True, "travel": False,
}


def test_summary_in_both_languages():
    assert summary(ANSWERS) == {
        "full_name": "Nguyễn Văn An", "ward_name": "Phường Phương Liệt",
        "province_name": "Thành phố Hà Nội",
        "gender_vi": "Nu", "gender_en": "Female",
        "symptoms_vi": "Sot, Kho tho", "symptoms_en": "Fever, Short of breath",
        "contact_vi": "co", "contact_en": "yes",
        "travel_vi": "khong", "travel_en": "no",
    }


@pytest.mark.parametrize("symptoms", [(), None])
def test_summary_without_symptoms(symptoms):
    answers = {**ANSWERS, "symptoms": symptoms, "contact": False, "gender": "male",
               "commune": HOAN_KIEM}
    words = summary(answers)
    assert (words["symptoms_vi"], words["symptoms_en"]) == ("khong", "none")
    assert (words["contact_vi"], words["contact_en"]) == ("khong", "no")
    assert (words["gender_vi"], words["gender_en"]) == ("Nam", "Male")
    assert words["ward_name"] == "Phường Hoàn Kiếm"


@pytest.mark.parametrize(("language", "expected"), [
    ("vi", ["Nguyen Van An", "1980", "Nu", "Phuong Phuong Liet", "Trieu chung: Sot, Kho tho",
            "Tiep xuc: co", "Di lai: khong"]),
    ("en", ["Nguyen Van An", "Female", "Symptoms: Fever, Short of breath", "Contact: yes",
            "Travel: no"]),
])
def test_summary_renders_the_confirmation(language, expected):
    text = render("decl.confirm", language, {**ANSWERS, **summary(ANSWERS)})
    assert all(part in text for part in expected), text
    assert len(text) <= CATALOGUE["decl.confirm"].budget
