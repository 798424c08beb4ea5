"""The OpenAPI document is generated from the code and describes the API truthfully:
schemathesis sends generated requests (valid and invalid) to every operation, with a
valid token, and no answer is a server error or strays from the document."""

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gateway.api import mount as records_api
from tests.api.conftest import make_token, manager

MAX_EXAMPLES = 15  # per operation: enough to find crashes, small enough to stay fast


def _document() -> dict:
    """The document, generated from the code by the API on a bare Flask app (the
    schema must exist when tests are collected, before any database does; the lazy
    `from_fixture` loader does not run on pytest 9). A test below checks that the
    running app serves exactly this document."""
    bare = Flask("openapi")
    records_api.init_app(bare)
    return bare.test_client().get("/api/v1/openapi.json").json


schema = schemathesis.openapi.from_dict(_document())


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_generated_requests_get_documented_answers_and_no_server_error(case, app):
    if not hasattr(app, "_api_token"):  # once per operation, not per example
        manager(app, "manager1")
        app._api_token = make_token(app, "schemathesis", ("read", "write", "privacy"))
    response = case.call_and_validate(
        app=app, headers={"Authorization": f"Bearer {app._api_token}"},
        checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                response_schema_conformance])
    assert response.status_code < 500


def test_the_document_lists_every_operation(client):
    document = client.get("/api/v1/openapi.json").json
    assert document == _document()
    assert document["openapi"].startswith("3.")
    operations = {(path, method) for path, item in document["paths"].items()
                  for method in item if method in ("get", "post", "patch")}
    assert operations == {
        ("/api/v1/declarations", "get"), ("/api/v1/declarations", "post"),
        ("/api/v1/declarations/search", "post"), ("/api/v1/declarations/{code}", "get"),
        ("/api/v1/venues", "get"), ("/api/v1/venues", "post"),
        ("/api/v1/venues/{code}", "get"), ("/api/v1/venues/{code}/poster.svg", "get"),
        ("/api/v1/venues/{code}/qr.png", "get"),
        ("/api/v1/visits", "get"), ("/api/v1/visits", "post"),
        ("/api/v1/visits/search", "post"), ("/api/v1/exposures", "post"),
        ("/api/v1/quarantine-cases", "get"), ("/api/v1/quarantine-cases", "post"),
        ("/api/v1/quarantine-cases/search", "post"),
        ("/api/v1/quarantine-cases/{case_id}", "get"),
        ("/api/v1/quarantine-cases/{case_id}", "patch"),
        ("/api/v1/quarantine-cases/{case_id}/reports", "get"),
        ("/api/v1/events", "get"),
        ("/api/v1/subject-requests/export", "post"), ("/api/v1/subject-requests/erasure", "post"),
        # issue 17: exposure notification
        ("/api/v1/exposure-cases", "get"), ("/api/v1/exposure-cases", "post"),
        ("/api/v1/exposure-cases/{case_id}", "get"),
        ("/api/v1/exposure-cases/{case_id}/exposures", "get"),
        ("/api/v1/exposure-cases/{case_id}/notify", "post"),
        # issue 17: area quarantine
        ("/api/v1/isolation-areas", "get"), ("/api/v1/isolation-areas", "post"),
        ("/api/v1/isolation-areas/{area_id}", "get"),
        ("/api/v1/isolation-areas/{area_id}", "patch")}
    assert document["security"] == [{"bearerAuth": []}]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    post = document["paths"]["/api/v1/declarations"]["post"]
    assert "Idempotency-Key" in [p["name"] for p in post["parameters"]]
    default = post["responses"]["default"]["$ref"].rsplit("/", 1)[1]
    assert "application/problem+json" in document["components"]["responses"][default]["content"]


def test_the_docs_page_works_offline(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and b"/api/v1/openapi.json" in page.data
    assert b"https://" not in page.data  # its scripts come from the gateway itself
    script = client.get("/api/v1/docs/assets/swagger-ui-bundle.js")
    assert script.status_code == 200 and len(script.data) > 100_000
    assert client.get("/api/v1/docs/assets/../../../etc/passwd").status_code == 404



@pytest.mark.parametrize(("path", "method"), [
    (path, method) for path, item in _document()["paths"].items()
    for method in item if method in ("get", "post", "patch")])
def test_a_phone_in_the_query_string_gets_the_documented_400_on_every_operation(
        app, path, method):
    # The guard answers before any view, so path parameters need not name a record.
    operation = schema[path][method.upper()]
    case = operation.Case(
        path_parameters={parameter.name: "1" for parameter in operation.path_parameters},
        query={"phone": "0912345678"})
    response = case.call_and_validate(
        app=app, checks=[status_code_conformance, content_type_conformance,
                         response_schema_conformance])
    assert response.status_code == 400
    assert response.json()["type"] == "urn:gateway:problem:personal-data-in-url"
