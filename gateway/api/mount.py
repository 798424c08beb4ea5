"""Mounting the records API on an app: the resources' blueprints, the OpenAPI document
and its browsable docs, problem+json errors under the prefix, the rate limits."""

from __future__ import annotations

from http import HTTPStatus

import swagger_ui_bundle
from flask import Flask, Response, request, send_from_directory
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from gateway import runtime
from gateway.api import (
    declarations,
    events,
    exposure_cases,
    isolation_areas,
    limits,
    moved,
    problems,
    quarantine,
    records,
    subject_requests,
    venues,
    visits,
)
from gateway.api.blueprint import PREFIX
from gateway.edge import inputs

DESCRIPTION = """\
The records of the SMS/USSD health-declaration gateway: declarations, venues, visits,
quarantine cases and their daily reports, whichever channel made them (`sms`, `ussd`,
`hotline`, `web`), and a change feed to sync them.

* **Auth**: `Authorization: Bearer <token>` (`gateway token create --name NAME --scope read
  --scope write`). 401 without a valid token, 403 without the scope.
* **Areas**: a token limited to a province (and communes: `--province`, `--commune`) sees
  only the records of its area (elsewhere: 404; the feed skips them, its cursor moves
  on), and writing outside it is a 403 `urn:gateway:problem:outside-area`.
* **Lists** are ordered by id; pass the page's `next` as `after` for the next page.
* **Personal data never goes in a URL** (URLs end up in access and proxy logs): a
  person's records are found with `POST …/search` (declarations by phone, ID or
  insurance number; visits and quarantine cases by phone) and `POST /api/v1/exposures`,
  the filters in the JSON body. A query string with `phone`, `id_number`, … is refused
  with 400 saying where the filter went.
* **Change feed**: `GET /api/v1/events?after=CURSOR` — every record created or changed,
  in a stable order, never a gap or a repeat; keep `next` and poll with it.
* **Idempotency**: POST and PATCH accept `Idempotency-Key`; a retry returns the first
  response and creates nothing new.
* **Personal data**: `POST /api/v1/subject-requests/export` and `.../erasure` (scope
  `privacy`, the phone in the JSON body) answer a person's access and erasure requests.
* **Errors** are RFC 9457 problem details (`application/problem+json`).
* **Consent**: a POSTed declaration carries the declarer's `consent` to the privacy notice
  (required unless the gateway runs under a legal basis); every declaration shows the
  consent it was made under, and each answer to the notice on any channel (agree,
  refuse, withdraw) is a `consent` event in the feed (`ConsentRecordOut`): on `withdraw`,
  stop processing that rests on that phone's consent.
* **Exposure notification**: `POST /api/v1/exposure-cases` (scope `write`, the phone in the
  body) marks a confirmed case and lists its exposures for review; `POST
  /api/v1/exposure-cases/{id}/notify` texts each exposed phone once (never naming the
  case). Cases, exposures and notices (with the phones' answers) are in the feed as
  `exposure_case`, `exposure` and `exposure_notice`.
* **Area quarantine**: `/api/v1/isolation-areas` declares an area under isolation (scope
  `write`), lists, reads, extends or lifts it (`PATCH`); its residents are quarantine
  cases of kind `area` (with the area's `area_code`), and each area is an
  `isolation_area` event in the feed.
"""


class GatewayApi(Api):
    """flask-smorest's Api, answering errors as problem+json under /api/ only (the
    rest of the app keeps its own error pages)."""

    ERROR_SCHEMA = problems.ProblemSchema

    def _register_error_handlers(self) -> None:
        self._app.register_error_handler(HTTPException, _http_error_under_prefix)

    def _register_responses(self) -> None:
        super()._register_responses()
        # Every documented error is problem+json, not the default application/json.
        for name, response in self.spec.components.responses_lazy.items():
            content = response.get("content", {})
            error = name == "DEFAULT_ERROR" or HTTPStatus[name] >= 400
            if error and "application/json" in content:
                content[problems.MIMETYPE] = content.pop("application/json")


def _http_error_under_prefix(error: HTTPException):
    """404/405 on unknown API paths as problems; anywhere else, unchanged."""
    if request.path == PREFIX or request.path.startswith(PREFIX + "/"):
        return problems.response(problems.from_http_exception(error))
    return error


def init_app(app: Flask) -> None:
    """Mount the records API and its documentation on `app`."""
    inputs.install_converters(app)  # already done by create_app; here for a bare app
    app.config.update(
        API_TITLE="Health declaration gateway: records API", API_VERSION="1",
        OPENAPI_VERSION="3.0.3", OPENAPI_URL_PREFIX=PREFIX, OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs", OPENAPI_SWAGGER_UI_URL=f"{PREFIX}/docs/assets/",
        API_SPEC_OPTIONS={"info": {"description": DESCRIPTION},
                          "servers": [{"url": "/"}], "security": [{"bearerAuth": []}]})
    api = GatewayApi(app)
    api.spec.components.security_scheme("bearerAuth", {
        "type": "http", "scheme": "bearer",
        "description": "a token from `gateway token create`"})
    # The feed's consent records have no endpoint of their own to bring their shape in.
    api.spec.components.schema("ConsentRecordOut", schema=records.ConsentRecordOut)
    # Swagger UI's files come from a package, not a CDN: the docs work offline.
    app.add_url_rule(f"{PREFIX}/docs/assets/<path:name>", "api_docs_assets", _docs_asset)

    # Before the rate limiter and the views: a phone in the query is refused unread.
    app.before_request(moved.refuse_personal_query)
    blueprints = [m.blp for m in (declarations, venues, visits, quarantine, events,
                                  subject_requests, exposure_cases, isolation_areas)]
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    if runtime.present(app):
        limits.init_app(app, blueprints)


def _docs_asset(name: str) -> Response:
    return send_from_directory(swagger_ui_bundle.swagger_ui_path, name, max_age=86400)
