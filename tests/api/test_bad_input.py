"""Bad input anywhere in the API gets a problem+json answer with a reason, never a
500: bodies that are not JSON, unknown parameters, out-of-range pages, unknown
paths and methods, oversized bodies."""

import pytest

from tests.api.conftest import declaration_body


@pytest.mark.parametrize(("method", "path", "kwargs", "status", "detail"), [
    ("post", "/api/v1/declarations", {"data": "{not json", "content_type": "application/json"},
     400, "the body is not valid JSON"),
    ("post", "/api/v1/declarations", {"data": b"\xff\xfe", "content_type": "application/json"},
     400, "the body is not valid JSON"),
    ("post", "/api/v1/declarations", {"data": "phone=1", "content_type": "text/plain"},
     415, "send the body as JSON"),
    ("post", "/api/v1/venues", {}, 415, "send the body as JSON"),
    ("post", "/api/v1/venues", {"data": "null", "content_type": "application/json"}, 422,
     "body"),
    ("get", "/api/v1/declarations?colour=red", {}, 422, "colour: Unknown field."),
    ("get", "/api/v1/declarations?limit=0", {}, 422, "limit"),
    ("get", "/api/v1/declarations?limit=201", {}, 422, "limit"),
    ("get", "/api/v1/declarations?limit=99999999999999999999999", {}, 422, "limit"),
    ("get", "/api/v1/declarations?after=!!", {}, 422, "after: not a cursor of this API"),
    ("post", "/api/v1/declarations/search", {"json": {"phone": "abc"}}, 422,
     "phone: not a valid mobile number"),
    ("post", "/api/v1/declarations/search", {"json": {"id_number": "12"}}, 422,
     "id_number: CCCD has 12 digits"),
    ("get", "/api/v1/declarations?since=tomorrow", {}, 422, "since"),
    ("get", "/api/v1/declarations?risk=medium", {}, 422, "risk"),
    ("get", "/api/v1/visits?venue=123", {}, 422, "venue: not a venue code"),
    ("get", "/api/v1/nothing-here", {}, 404, "not found"),
    ("delete", "/api/v1/declarations", {}, 405, "not allowed"),
    ("post", "/api/v1/declarations", {"json": {"street": "x" * 20_000}}, 413, ""),
    ("post", "/api/v1/declarations", {"json": declaration_body(full_name="An\x00")}, 422,
     "full_name: contains a NUL character"),
    ("post", "/api/v1/venues", {"json": {"name\x00": "x"}}, 422,
     "body: contains a key with a NUL character"),
    ("post", "/api/v1/declarations", {"data": '{"street": "\\ud800"}',
                                      "content_type": "application/json"}, 422,
     "street: contains an unpaired surrogate"),
    ("post", "/api/v1/declarations", {"json": declaration_body(symptoms=["\x07"])}, 422,
     "symptoms.0: contains control character U+0007"),
    ("post", "/api/v1/declarations", {"json": declaration_body(ward_code=2**31)}, 422,
     "ward_code: must be between"),
    ("post", "/api/v1/venues", {"json": {"name": "x", "province_code": -(2**63)}}, 422,
     "province_code: must be between"),
    ("post", "/api/v1/declarations/search", {"json": {"phone": "09\x00"}}, 422,
     "phone: contains a NUL character"),
    ("get", "/api/v1/declarations/AB%00CDEF", {}, 404, "not found"),
    ("get", "/api/v1/quarantine-cases/99999999999", {}, 404, "no quarantine case"),
])
def test_bad_requests_get_problems(api, method, path, kwargs, status, detail):
    response = getattr(api.client, method)(path, headers={
        "Authorization": f"Bearer {api.secret}"}, **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    problem = response.json
    assert problem["status"] == status and problem["title"]
    assert detail.lower() in problem["detail"].lower()


def test_method_not_allowed_says_what_is(api):
    response = api.client.delete("/api/v1/declarations")
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_an_unexpected_error_is_a_logged_500_problem(app, api, monkeypatch, caplog):
    from gateway.store import declarations
    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")
    monkeypatch.setattr(declarations, "create", broken)
    response = api.post("/api/v1/declarations", declaration_body())
    assert response.status_code == 500 and response.mimetype == "application/problem+json"
    assert "a bug" not in response.get_data(as_text=True)
    assert "unexpected error in an API request" in caplog.text


def test_other_parts_of_the_app_keep_their_own_errors(client):
    assert client.get("/nothing").mimetype == "text/html"
    assert client.post("/sms/twilio", data={}).mimetype == "text/plain"
