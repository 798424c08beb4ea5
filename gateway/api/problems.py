"""Errors of the records API as RFC 9457 problem details (`application/problem+json`):
a type, a title, the status, a human-readable detail and, for validation errors, the
list of fields with the reason each was refused. No input reaches a 500: parsing
errors, unknown fields, lock timeouts and unexpected failures all have an answer."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, ClassVar, NoReturn

import marshmallow as ma
from flask import Response
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException

from gateway.edge.inputs import refused_character

log = logging.getLogger(__name__)
MIMETYPE = "application/problem+json"
VALIDATION = "urn:gateway:problem:validation"


class Problem(Exception):
    """Raise to answer with a problem: `status`, a `detail` for people, a `type` URI
    (about:blank for plain HTTP statuses), and extension members."""

    def __init__(self, status: int, detail: str, *, type: str = "about:blank",
                 headers: Mapping[str, str] | None = None, **extra: Any):
        super().__init__(detail)
        self.status, self.detail, self.type = status, detail, type
        self.headers = dict(headers or {})
        self.extra = extra


def invalid(field: str, reason: str, location: str = "json") -> NoReturn:
    """Refuse one field of the request with a 422 validation problem."""
    raise Problem(422, f"{field}: {reason}", type=VALIDATION,
                  errors=[{"field": field, "location": location, "reason": reason}])


def response(problem: Problem) -> Response:
    """The problem as an HTTP response."""
    body = {"type": problem.type, "title": HTTPStatus(problem.status).phrase,
            "status": problem.status, "detail": problem.detail, **problem.extra}
    answer = Response(json.dumps(body, ensure_ascii=False), status=problem.status,
                      mimetype=MIMETYPE)
    answer.headers.update(problem.headers)
    return answer


def field_errors(messages: Mapping[str, Any]) -> list[dict[str, str]]:
    """Flatten webargs' {location: {field: [reasons]}} (nested for nested fields)
    into [{field, location, reason}], with dotted field paths."""
    errors: list[dict[str, str]] = []

    def walk(location: str, path: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for key, inner in value.items():
                name = "body" if key == ma.schema.SCHEMA else str(key)
                walk(location, f"{path}.{name}" if path else name, inner)
        elif isinstance(value, list | tuple) and value and all(isinstance(v, str)
                                                                for v in value):
            errors.extend({"field": path or "body", "location": location, "reason": v}
                          for v in value)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(location, path, item)
        else:
            errors.append({"field": path or "body", "location": location,
                           "reason": str(value)})

    for location, fields in messages.items():
        walk(location, "", fields)
    return errors


def from_http_exception(error: HTTPException) -> Problem:
    """A werkzeug/webargs HTTP error as a problem, keeping webargs' field messages."""
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") or data.get("errors")
    status = error.code or 500
    headers = dict(data.get("headers") or {})
    if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
        headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
    if messages:
        errors = field_errors(messages)
        if status == 400:  # the body is not JSON at all
            return Problem(400, "the body is not valid JSON", headers=headers, errors=errors)
        detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors[:5])
        return Problem(status, detail, type=VALIDATION, headers=headers, errors=errors)
    return Problem(status, data.get("message") or error.description or HTTPStatus(status).phrase,
                   headers=headers)


class Parser(FlaskParser):
    """webargs' Flask parser with unknown query parameters refused (as unknown body
    fields are), so a misspelt filter is an error rather than silently ignored, and
    every string of the request — JSON values and keys at any depth, query values —
    refused when it holds a NUL or another control character (`gateway.edge.inputs`)."""

    DEFAULT_UNKNOWN_BY_LOCATION: ClassVar[dict[str, str | None]] = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": ma.RAISE, "querystring": ma.RAISE}

    def _load_location_data(self, *, schema: ma.Schema, req, location: str) -> Any:
        data = super()._load_location_data(schema=schema, req=req, location=location)
        if location in ("query", "querystring"):
            found = next(filter(None, (_refused_text({name: value}) for name, value
                                       in req.args.items(multi=True))), None)
        elif location == "json":
            found = _refused_text(data)
        else:
            found = None
        if found:
            path, reason = found
            raise ma.ValidationError({path or ma.schema.SCHEMA: [f"contains {reason}"]})
        return data


def _refused_text(value: Any, path: str = "") -> tuple[str, str] | None:
    """The dotted path of the first string (or key) in `value` that holds a character
    no field may, and why; None when there is none."""
    if isinstance(value, str):
        reason = refused_character(value)
        return (path, reason) if reason else None
    if isinstance(value, Mapping):
        for key, inner in value.items():
            name = str(key)
            reason = refused_character(name)
            if reason:
                return (path or ma.schema.SCHEMA, f"a key with {reason}")
            found = _refused_text(inner, f"{path}.{name}" if path else name)
            if found:
                return found
    elif isinstance(value, list | tuple):
        for index, inner in enumerate(value):
            found = _refused_text(inner, f"{path}.{index}" if path else str(index))
            if found:
                return found
    return None


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details (for the OpenAPI document)."""

    type = ma.fields.String(metadata={"description": "a URI naming the kind of problem"})
    title = ma.fields.String()
    status = ma.fields.Integer()
    detail = ma.fields.String(metadata={"description": "what went wrong, for people"})
    errors = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "validation errors: [{field, location, reason}]"})
    moved_to = ma.fields.String(metadata={
        "description": "for personal data in a query string: the request that takes it "
                       "in its JSON body"})
