"""The base of the API's blueprints: strict argument parsing, and every error of
their views — a raised `Problem`, a webargs validation error, a lock timeout, an
unexpected exception — answered as problem+json."""

from __future__ import annotations

import logging

import flask_smorest
from flask import Response
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from gateway.api import problems
from gateway.api.problems import Problem

log = logging.getLogger("gateway.api")
PREFIX = "/api/v1"  # every path of the API starts here

# Documented on every POST/PATCH (see gateway.api.writes).
IDEMPOTENCY_KEY = {
    "in": "header", "name": "Idempotency-Key", "required": False,
    "description": "any unique string (a UUID): a retry with the same key returns the first "
                   "response and creates nothing new",
    "schema": {"type": "string", "minLength": 1, "maxLength": 120, "pattern": "^[!-~]+$"},
}


class ApiBlueprint(flask_smorest.Blueprint):
    """A flask-smorest blueprint of the records API."""

    ARGUMENTS_PARSER = problems.Parser()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.register_error_handler(Problem, problems.response)
        self.register_error_handler(413, http_error)
        self.register_error_handler(HTTPException, http_error)
        self.register_error_handler(OperationalError, busy)
        self.register_error_handler(Exception, unexpected)


def http_error(error: HTTPException) -> Response:
    """Any HTTP error (webargs' 422s among them) as a problem."""
    return problems.response(problems.from_http_exception(error))


def busy(error: OperationalError) -> Response:
    """The database timed out or a lock wait ran out: try again shortly."""
    log.warning("database busy in an API request: %s", type(error.orig).__name__)
    return problems.response(Problem(503, "the database is busy; try again shortly",
                                     headers={"Retry-After": "1"}))


def unexpected(error: Exception) -> Response:
    """A bug: logged with its traceback (phone numbers masked by the log formatter)."""
    log.exception("unexpected error in an API request")
    return problems.response(Problem(500, "unexpected error; it has been logged"))
