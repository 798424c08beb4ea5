"""Personal data never in a URL: the filters by phone, ID and insurance number live in
JSON bodies (`POST …/search`, `POST /api/v1/exposures`), and the old query parameters
are refused with a 400 that says where they went."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.api.conftest import OTHER, declaration_body


def declared(api, **changes):
    made = api.post("/api/v1/declarations", declaration_body(**changes))
    assert made.status_code == 201, made.json
    return made.json


@pytest.mark.parametrize(("path", "query", "moved_to"), [
    ("/api/v1/declarations", "phone=0912345678", "POST /api/v1/declarations/search"),
    ("/api/v1/declarations", "risk=high&id_number=001080012345",
     "POST /api/v1/declarations/search"),
    ("/api/v1/visits", "phone=%2B84912345678", "POST /api/v1/visits/search"),
    ("/api/v1/exposures", "phone=0912345678&from=2026-03-01T00:00:00Z",
     "POST /api/v1/exposures"),
    ("/api/v1/quarantine-cases", "phone=0912345678", "POST /api/v1/quarantine-cases/search"),
    ("/api/v1/events", "phone=0912345678", "a POST"),
])
def test_a_personal_query_parameter_is_refused_with_where_it_moved(api, path, query, moved_to):
    response = api.get(f"{path}?{query}")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    problem = response.json
    assert problem["type"] == "urn:gateway:problem:personal-data-in-url"
    assert problem["moved_to"] == moved_to
    assert "not accepted in a URL" in problem["detail"] and moved_to in problem["detail"]
    assert [e["location"] for e in problem["errors"]] == ["query"]
    assert "0912345678" not in response.get_data(as_text=True)  # not echoed back


def test_the_refusal_comes_before_authentication(client):
    # Unauthenticated callers learn only where the filter went; nothing is read.
    response = client.get("/api/v1/declarations?phone=0912345678")
    assert response.status_code == 400


def test_search_by_id_and_insurance_number_finds_the_encrypted_rows(api):
    mine = declared(api, id_number="CCCD 001080012345", insurance_number="0123456789")
    theirs = declared(api, phone=OTHER, id_number="B1234567", full_name="Tran Thi B")
    by_id = api.post("/api/v1/declarations/search", {"id_number": "001 080 012 345"}).json
    assert [d["code"] for d in by_id["items"]] == [mine["code"]]
    assert by_id["items"][0]["id_number"] == "001080012345"
    passport = api.post("/api/v1/declarations/search", {"id_number": "b1234567"}).json
    assert [d["code"] for d in passport["items"]] == [theirs["code"]]
    by_card = api.post("/api/v1/declarations/search", {"insurance_number": "0123456789"})
    assert [d["code"] for d in by_card.json["items"]] == [mine["code"]]
    nobody = api.post("/api/v1/declarations/search", {"id_number": "001090012345"}).json
    assert nobody["items"] == []


def test_search_pages_with_the_cursor_in_the_body(api):
    codes = [declared(api, full_name=f"Nguoi {n}")["code"] for n in "ABC"]
    first = api.post("/api/v1/declarations/search", {"phone": "0912345678", "limit": 2}).json
    assert [d["code"] for d in first["items"]] == codes[:2]
    rest = api.post("/api/v1/declarations/search",
                    {"phone": "0912345678", "limit": 2, "after": first["next"]}).json
    assert [d["code"] for d in rest["items"]] == codes[2:] and rest["next"] is None


def test_search_needs_the_read_scope(app, client):
    from tests.api.conftest import Api, make_token
    writer = Api(client, make_token(app, "writer-only", ("write",)))
    assert writer.post("/api/v1/declarations/search", {"phone": OTHER}).status_code == 403


def test_visit_search_checks_its_window_in_the_body(api):
    now = datetime.now(UTC)
    wrong = api.post("/api/v1/visits/search", {"phone": OTHER, "from": now.isoformat(),
                                               "to": (now - timedelta(hours=1)).isoformat()})
    assert wrong.status_code == 422
    assert wrong.json["errors"] == [{"field": "to", "location": "json",
                                     "reason": "must not be before from"}]
