"""Consent over the records API: a web declaration carries the declarer's consent (or
is recorded under the deployment's legal basis), every declaration read shows the
consent it was made under, and consent answers from any channel reach the feed."""

from dataclasses import replace

import pytest
from sqlalchemy import select

from gateway import create_app
from gateway import runtime as runtimes
from gateway.store.models import Consent, Declaration
from tests.api.conftest import CONSENT, ME, OTHER, Api, declaration_body, declared, make_token
from tests.api.test_events import drain, summary
from tests.conftest import Phone
from tests.declare.test_ussd import FORM, walk

FUTURE = "2999-01-01T00:00:00Z"


def rows(app) -> list[Consent]:
    with runtimes.of(app).sessions() as session:
        return list(session.scalars(select(Consent).order_by(Consent.id)))


def test_the_declaration_carries_the_consent_given_on_the_web(app, api):
    made = declared(api, declarer_phone=OTHER, operator="nv.lan")
    assert made["consent"] == {"answer": "agree", "channel": "web",
                               "at": "2026-01-05T01:30:00+00:00", "notice_version": "web-3",
                               "legal_basis": None}
    assert api.get(f"/api/v1/declarations/{made['code']}").json["consent"] == made["consent"]
    [row] = rows(app)
    # The declarer gave it (for a family member too), through the operator named.
    assert (row.phone, row.channel, row.operator, row.notice_hash) == (
        OTHER, "web", "nv.lan", None)


@pytest.mark.parametrize(("consent", "field", "reason"), [
    (..., "consent", "required: the declarer's answer to the privacy notice"),
    (None, "consent", "required: the declarer's answer to the privacy notice"),
    ({**CONSENT, "answer": "refuse"}, "consent.answer", "must be agree"),
    ({**CONSENT, "at": FUTURE}, "consent.at", "must not be in the future"),
    ({"answer": "agree", "at": CONSENT["at"]}, "consent.notice_version", "required"),
    ({**CONSENT, "notice_version": "v 1/2"}, "consent.notice_version", "1-40 letters"),
    ({**CONSENT, "notice_sha256": "abc"}, "consent.notice_sha256", "64 hex digits"),
])
def test_without_a_valid_consent_nothing_is_recorded(app, api, consent, field, reason):
    answer = api.post("/api/v1/declarations", declaration_body(consent=consent))
    assert answer.status_code == 422, answer.json
    assert answer.json["errors"][0]["field"] == field
    assert reason in answer.json["errors"][0]["reason"]
    with runtimes.of(app).sessions() as session:
        assert session.scalars(select(Declaration)).all() == []
    assert rows(app) == []


def test_a_missing_consent_is_answered_like_any_missing_field(app, api):
    # The records API answers every body that fails validation with a 422 validation
    # problem (README "Errors"); a missing consent is no exception.
    answers = {field: api.post("/api/v1/declarations", declaration_body(**{field: ...}))
               for field in ("consent", "full_name")}
    assert {field: (a.status_code, a.json["type"], a.json["errors"][0]["field"])
            for field, a in answers.items()} == {
        "consent": (422, "urn:gateway:problem:validation", "consent"),
        "full_name": (422, "urn:gateway:problem:validation", "full_name")}


def test_the_hash_of_the_web_notice_is_kept(app, api):
    digest = "ab" * 32
    declared(api, consent={**CONSENT, "notice_sha256": digest})
    assert rows(app)[0].notice_hash == digest


def test_a_declaration_made_over_sms_shows_its_consent(app, api, client):
    phone = Phone(client, ME)
    phone.dial()
    for key in ("1", "1"):  # declare, agree
        phone.press(key)
    walk(phone, [*FORM, ("1", "END Da khai bao")])
    [item] = api.post("/api/v1/declarations/search", {"phone": ME}).json["items"]
    assert (item["consent"]["answer"], item["consent"]["channel"]) == ("agree", "ussd")


def test_withdrawal_over_sms_reaches_the_feed(app, api, client):
    declared(api)
    _, cursor = drain(api)
    Phone(client, ME).sms("HUY DONG Y")
    [event] = drain(api, cursor)[0]
    assert summary([event]) == [("consent", "created")]
    assert (event["record"]["phone"], event["record"]["answer"],
            event["record"]["channel"]) == (ME, "withdraw", "sms")


def test_under_a_legal_basis_no_consent_is_needed_and_the_basis_is_shown(app, config):
    basis_app = create_app(replace(config, consent_mode="legal_basis",
                                   consent_legal_basis="art19_1a"))
    api = Api(basis_app.test_client(), make_token(basis_app, "web"))
    made = declared(api, consent=None)
    assert (made["consent"]["answer"], made["consent"]["legal_basis"]) == (
        "legal_basis", "art19_1a")
    [row] = rows(basis_app)
    assert (row.phone, row.answer, row.legal_basis) == (ME, "legal_basis", "art19_1a")


def test_the_openapi_document_describes_the_consent(client):
    schemas = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    assert {"answer", "at", "notice_version", "notice_sha256"} <= set(
        schemas["ConsentIn"]["properties"])
    assert "consent" in schemas["DeclarationIn"]["properties"]
    assert "consent" in schemas["DeclarationOut"]["required"]
    assert set(schemas["ConsentRecordOut"]["properties"]) >= {"phone", "answer", "given_at"}
