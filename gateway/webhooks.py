"""The provider webhooks' shared request checks, and the USSD route.

Every provider's inbound routes (its module in gateway/sms/, mounted from the provider
table, gateway/sms/providers.py) and `/ussd` check a request the same way: the form or
query decoded strictly (400 with the reason), 403 on a failed authentication, 413 over
the size limit (the app's), and, when no turn can run, an answer the provider can act
on (Busy: 503 with `Retry-After`; Redis down: 503, or the apology that ends a USSD
session). A provider's blueprint gets these answers from `guarded(Blueprint(...))`.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from flask import Blueprint, Response, request

from gateway import runtime
from gateway.dialogue import router
from gateway.dialogue.messages import Busy, RedisDown, Reply
from gateway.dialogue.turn import handle
from gateway.edge import ussd_auth
from gateway.edge.inputs import refused_character, shown
from gateway.flows.messages import render
from gateway.phones import InvalidPhone, normalise
from gateway.sms import ussd
from gateway.text import DEFAULT_LANGUAGE

bp = Blueprint("webhooks", __name__)
log = logging.getLogger(__name__)
MAX_SMS_BODY = 1600  # Twilio's own limit for one inbound message; no provider sends more
MAX_SID = 64  # the width of inbound_messages.provider_id (Twilio's SIDs have 34)
MAX_ERROR_CODE = 16  # the width of outbound_messages.error_code (Twilio's have 5 digits)
REDIS_DOWN_RETRY_SECONDS = 5


class BadRequest(ValueError):
    """A webhook request the gateway cannot take; the message is the reason."""


def form_fields() -> dict[str, str]:
    """The urlencoded form, decoded strictly: undecodable bytes, a repeated field and
    control characters (a NUL above all: PostgreSQL refuses it) are a 400, not '�',
    a silent pick of one value, or a server error deep inside the turn."""
    if request.mimetype != "application/x-www-form-urlencoded":
        raise BadRequest("expected an application/x-www-form-urlencoded body")
    return _strict(request.get_data(cache=True), "body")


def query_fields() -> dict[str, str]:
    """The query string, decoded as strictly as `form_fields` decodes a body: for the
    providers that call back with GET."""
    return _strict(request.query_string, "query string")


def _strict(raw: bytes, where: str) -> dict[str, str]:
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False,
                          encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise BadRequest(f"{where} is not valid UTF-8 form data") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise BadRequest(f"field '{shown(name)}' given more than once")
        refused = refused_character(name) or refused_character(value)
        if refused:
            raise BadRequest(f"field '{shown(name)}' contains {refused}")
        form[name] = value
    return form


def require(form: dict[str, str], *names: str, blank: tuple[str, ...] = ()) -> None:
    """400 unless every field is present and, except those in `blank`, not empty."""
    for name in names:
        if name not in form:
            raise BadRequest(f"field '{name}' required")
        if name not in blank and not form[name].strip():
            raise BadRequest(f"field '{name}' must not be empty")


def limit(form: dict[str, str], name: str, most: int) -> None:
    """400 when a field is longer than `most` characters. Refused rather than cut: two
    long message ids sharing a prefix would be taken for a retry of each other."""
    if len(form.get(name, "")) > most:
        raise BadRequest(f"field '{name}' longer than {most} characters")


def phone_of(form: dict[str, str], name: str) -> str:
    """The E.164 number of a field; 400 naming it when it is not a mobile number."""
    try:
        return normalise(form[name])
    except InvalidPhone:
        raise BadRequest(f"field '{name}' is not a valid mobile number") from None


def text_response(body: str, status: int = 200, mimetype: str = "text/plain") -> Response:
    """A response with an explicit charset."""
    return Response(body, status=status, mimetype=mimetype)


def forbidden(reason: str) -> Response:
    """403 with the reason."""
    return text_response(f"Forbidden: {reason}\n", 403)


def bad_request(error: BadRequest) -> Response:
    """400 with the reason."""
    return text_response(f"Bad request: {error}\n", 400)


def bad_ussd_request(error: ussd.BadRequest) -> Response:
    """400 with the reason."""
    return text_response(f"Bad request: {error}\n", 400)


def busy(_error: Busy) -> Response:
    """The phone's previous message is still being handled: ask the provider to retry."""
    response = text_response("Busy: a previous message from this phone is in progress\n", 503)
    response.headers["Retry-After"] = "1"
    return response


def redis_down(error: Exception) -> Response:
    """Redis is unreachable, so no turn can run: an SMS provider is asked to retry
    (503), a USSD session, which cannot be retried, ends with the apology. Logged here,
    once."""
    log.warning("redis unavailable: %s answered without a turn", request.path,
                extra={"error": type(error).__name__})
    if request.endpoint == "webhooks.ussd_request":
        apology = render("dialogue.error", DEFAULT_LANGUAGE, None, "ussd")
        return text_response(ussd.answer(Reply((apology,))))
    response = text_response("Service unavailable: please retry later\n", 503)
    response.headers["Retry-After"] = str(REDIS_DOWN_RETRY_SECONDS)
    return response


def guarded(blueprint: Blueprint) -> Blueprint:
    """`blueprint`, answering as every webhook does: 400 with the reason for a bad
    request, 503 with `Retry-After` while the phone's previous message is in progress
    or Redis is down. Every provider's routes are built on one."""
    blueprint.register_error_handler(BadRequest, bad_request)
    blueprint.register_error_handler(Busy, busy)
    for kind in RedisDown:
        blueprint.register_error_handler(kind, redis_down)
    return blueprint


guarded(bp)
bp.register_error_handler(ussd.BadRequest, bad_ussd_request)


def _check_ussd_caller() -> Response | None:
    """403 unless the request comes from the configured aggregator (gateway.edge.ussd_auth)."""
    if ussd_auth.allowed(runtime.current().config, request):
        return None
    return forbidden("USSD requests must come from the aggregator")


@bp.post("/ussd")
def ussd_request() -> Response:
    """A USSD request from the aggregator: answer `CON …` or `END …`."""
    denied = _check_ussd_caller()
    if denied:
        return denied
    inbound = ussd.parse(form_fields())
    reply = handle(runtime.current(), inbound, router.ussd)
    return text_response(ussd.answer(reply))
