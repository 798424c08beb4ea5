"""Declarations over the API: a web declaration is validated like the SMS form, gets a
code and validity like one, and `TT` sees it; lists filter by phone, time and risk."""

from datetime import UTC, datetime, timedelta

import pytest

from gateway.codes import parse_declaration_code
from tests.api.conftest import ME, OTHER, declaration_body, declared
from tests.conftest import Phone


def test_a_web_declaration_gets_a_code_and_validity(api, config):
    before = datetime.now(UTC)
    made = declared(api)
    assert parse_declaration_code(made["code"]) == made["code"]
    assert (made["channel"], made["verification"], made["form_version"]) == (
        "web", "web", "moh-2025.1")
    assert (made["subject_phone"], made["declarer_phone"], made["relation"]) == (ME, ME, "self")
    assert (made["province_name"], made["ward_name"]) == ("Thành phố Hà Nội", "Phường Hoàn Kiếm")
    assert (made["id_type"], made["id_number"]) == ("cccd", "001080012345")
    assert (made["risk"], made["follow_up"]) == ("low", False)
    valid = datetime.fromisoformat(made["valid_until"]) - datetime.fromisoformat(
        made["created_at"])
    assert valid == timedelta(hours=config.declaration_valid_hours)
    assert datetime.fromisoformat(made["created_at"]) >= before


def test_symptoms_contact_or_travel_make_it_high_risk(api):
    assert declared(api, symptoms=[3, 1])["symptoms"] == [1, 3]
    assert declared(api, symptoms=[3])["risk"] == "high"
    assert declared(api, contact=True)["follow_up"] is True
    assert declared(api, travel=True)["risk"] == "high"


def test_tt_over_sms_sees_the_web_declaration(api, client):
    made = declared(api)
    reply = Phone(client, ME).sms("TT")
    assert made["code"] in reply


def test_family_member_without_a_phone(api):
    made = declared(api, phone=None, declarer_phone="0987654321", relation="child")
    assert (made["subject_phone"], made["declarer_phone"], made["relation"]) == (
        None, OTHER, "child")


def test_one_by_code_in_any_spelling(api):
    code = declared(api)["code"]
    spelt = f"{code[:4].lower()}-{code[4:]}"
    assert api.get(f"/api/v1/declarations/{spelt}").json["code"] == code
    missing = api.get("/api/v1/declarations/ABCDEFGH")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    assert missing.json["detail"] == "no declaration has this code"


def test_list_filters_by_phone_risk_and_time(api):
    low = declared(api)
    high = declared(api, phone=OTHER, symptoms=[2])
    everything = api.get("/api/v1/declarations").json
    assert [d["code"] for d in everything["items"]] == [low["code"], high["code"]]
    assert everything["next"] is None
    by_phone = api.post("/api/v1/declarations/search", {"phone": "84987654321"}).json
    assert [d["code"] for d in by_phone["items"]] == [high["code"]]
    by_risk = api.get("/api/v1/declarations?risk=low").json
    assert [d["code"] for d in by_risk["items"]] == [low["code"]]
    later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    assert api.get("/api/v1/declarations", query_string={"since": later}).json["items"] == []
    since = api.get("/api/v1/declarations", query_string={"since": low["created_at"]}).json
    assert len(since["items"]) == 2


def test_list_pages_with_an_opaque_cursor(api):
    codes = [declared(api, full_name=f"Nguoi {n}")["code"] for n in "ABCDE"]
    seen, after = [], None
    while True:
        query = {"limit": 2, **({"after": after} if after else {})}
        page = api.get("/api/v1/declarations", query_string=query).json
        seen += [d["code"] for d in page["items"]]
        after = page["next"]
        if after is None:
            break
        assert not after.isdigit()
    assert seen == codes


def bad(**changes):
    return declaration_body(**changes)


@pytest.mark.parametrize(("body", "field", "reason"), [
    (bad(phone="12345"), "phone", "not a valid mobile number"),
    (bad(phone="0241234567"), "phone", "not a valid mobile number"),
    (bad(phone=None), "phone", "required when relation is self"),
    (bad(full_name="A"), "full_name", "must have 2 to 60 characters"),
    (bad(full_name="x" * 61), "full_name", "must have 2 to 60 characters"),
    (bad(birth_year=1899), "birth_year", "must be between 1900"),
    (bad(birth_year=datetime.now().year + 1), "birth_year", "must be between 1900"),
    (bad(birth_year="1980"), "birth_year", "Not a valid integer."),
    (bad(gender="m"), "gender", "Must be one of"),
    (bad(id_number="12345"), "id_number", "CCCD has 12 digits"),
    (bad(id_number="0"), "id_number", "CCCD has 12 digits"),
    (bad(insurance_number="123"), "insurance_number", "10 digits"),
    (bad(province_code=99), "province_code", "not the code of a province"),
    (bad(province_code=10**40), "province_code", "must be between -2147483648 and 2147483647"),
    (bad(ward_code=26743), "ward_code", "not the code of a commune or ward of Thành phố Hà Nội"),
    (bad(ward_code=-1), "ward_code", "not the code of a commune or ward"),
    (bad(symptoms=[7]), "symptoms.0", "greater than or equal to 1 and less than or equal to 6"),
    (bad(symptoms=[1, 1]), "symptoms", "each symptom at most once"),
    (bad(symptoms="13"), "symptoms", "Not a valid list."),
    (bad(contact="yes"), "contact", "Not a valid boolean."),
    (bad(street=" "), "street", "must have 2 to 100 characters"),
    (bad(relation="cousin"), "relation", "Must be one of"),
    (bad(nickname="Ti"), "nickname", "Unknown field."),
    (bad(full_name=...), "full_name", "Missing data for required field."),
    ([1, 2], "body", "Invalid input type."),
])
def test_invalid_declarations_are_422_problems_naming_the_field(api, body, field, reason):
    response = api.post("/api/v1/declarations", body)
    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    problem = response.json
    assert problem["type"] == "urn:gateway:problem:validation" and problem["status"] == 422
    reasons = {e["field"]: e["reason"] for e in problem["errors"]}
    assert field in reasons, problem
    assert reason in reasons[field]
    assert api.get("/api/v1/declarations").json["items"] == []


def test_every_invalid_field_is_reported_at_once(api):
    response = api.post("/api/v1/declarations", bad(birth_year=1800, gender="x", street=""))
    assert {e["field"] for e in response.json["errors"]} >= {"birth_year", "gender"}


def test_phone_numbers_never_appear_in_errors(api):
    response = api.post("/api/v1/declarations", bad(phone="0912 345 67"))
    assert "345" not in response.get_data(as_text=True)
