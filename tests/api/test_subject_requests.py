"""The records API answers data-subject requests: export and erasure of one phone's
records, the phone in the body (never the URL), only with the `privacy` scope, each
call recorded with its deadline and audited under the token's name."""

from __future__ import annotations

from sqlalchemy import select

from gateway import runtime as runtimes
from gateway.store import consents
from gateway.store.areas import Area
from gateway.store.db import transaction
from gateway.store.models import (
    AuditEntry,
    DataRequest,
    Declaration,
    OutboundMessage,
    QuarantineCase,
)
from tests.api.conftest import Api, make_token
from tests.api.test_areas import limited
from tests.privacy.conftest import ME, case, count, declare, deleted_events

EXPORT, ERASURE = "/api/v1/subject-requests/export", "/api/v1/subject-requests/erasure"


def privacy_api(app, client) -> Api:
    return Api(client, make_token(app, "web-privacy", ("read", "privacy")))


def audit(app) -> list[tuple[str, str, str | None]]:
    with runtimes.of(app).sessions() as session:
        return [(e.username, e.action, e.phone) for e in session.scalars(
            select(AuditEntry).order_by(AuditEntry.id))]


def test_export_returns_every_record_and_records_the_request(app, client):
    declared = declare(app, name="Lê Văn Cường")
    with transaction(runtimes.of(app).sessions) as session:
        for answer in ("agree", "withdraw"):
            consents.record(session, phone=ME, channel="sms", answer=answer,
                            notice_version="v1")
    api = privacy_api(app, client)
    response = api.post(EXPORT, {"phone": "0912 345 678"})
    assert response.status_code == 200, response.json
    body = response.json
    records = body["records"]
    assert [(d["id"], d["full_name"]) for d in records["declarations"]] == [
        (declared, "Lê Văn Cường")]
    # The answers to the privacy notice, oldest first: what the phone was told and said.
    assert [c["answer"] for c in records["consents"]] == ["agree", "withdraw"]
    assert records["consents"][0]["notice_version"] == "v1"
    assert body["request"]["kind"] == "access" and body["request"]["outcome"] == "done"
    assert body["request"]["deadline"] > body["request"]["received_at"]
    assert audit(app) == [("api:web-privacy", "privacy.export", ME)]


def test_erasure_deletes_and_publishes_deleted_events(app, client):
    declared = declare(app)
    response = privacy_api(app, client).post(ERASURE, {"phone": ME})
    assert response.status_code == 200, response.json
    assert response.json["deleted"]["declarations"] == 1 and response.json["kept"] == []
    assert response.json["request"]["outcome"] == "done"
    assert count(app, Declaration) == 0 and declared in deleted_events(app, "declaration")
    assert audit(app) == [("api:web-privacy", "privacy.erase", ME)]
    assert count(app, OutboundMessage) == 0  # the web system answers; no SMS from us


def test_erasure_keeps_an_active_case_and_says_why(app, client):
    active = case(app)
    response = privacy_api(app, client).post(ERASURE, {"phone": ME})
    assert response.status_code == 200
    assert response.json["kept"] == ["active_case"]
    assert response.json["request"]["outcome"] == "partial"
    assert "active quarantine case" in response.json["request"]["reason"]
    assert count(app, QuarantineCase, id=active) == 1


def test_a_token_without_the_privacy_scope_is_refused(app, api):
    declare(app)
    for path in (EXPORT, ERASURE):
        response = api.post(path, {"phone": ME})
        assert response.status_code == 403
        assert "lacks the 'privacy' scope" in response.json["detail"]
    assert count(app, Declaration) == 1 and count(app, DataRequest) == 0


def test_a_token_limited_to_an_area_is_refused(app, client):
    # A Thanh Hoa token would see, or erase, a Ha Noi person's records.
    declare(app)
    thanh_hoa = limited(app, client, "thanh-hoa", Area(38), scopes=("read", "privacy"))
    for path in (EXPORT, ERASURE):
        response = thanh_hoa.post(path, {"phone": ME})
        assert response.status_code == 403
        assert response.json["type"] == "urn:gateway:problem:outside-area"
        assert "limited to Thanh Hóa" in response.json["detail"]
    assert count(app, Declaration) == 1 and count(app, DataRequest) == 0


def test_a_bad_phone_is_a_field_error_without_the_number(app, client):
    response = privacy_api(app, client).post(EXPORT, {"phone": "12345"})
    assert response.status_code == 422
    assert "12345" not in response.get_data(as_text=True)
    assert count(app, DataRequest) == 0


def test_a_retried_erasure_with_its_key_replays_the_answer(app, client):
    declare(app)
    api = privacy_api(app, client)
    headers = {"Idempotency-Key": "erase-1"}
    first = api.post(ERASURE, {"phone": ME}, headers=headers)
    again = api.post(ERASURE, {"phone": ME}, headers=headers)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json == first.json and count(app, DataRequest) == 1


def test_the_openapi_document_describes_the_operations(client):
    spec = client.get("/api/v1/openapi.json").json
    assert set(spec["paths"]["/api/v1/subject-requests/erasure"]) == {"post"}
    assert "ErasureOut" in spec["components"]["schemas"]
