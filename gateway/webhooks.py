"""Provider webhooks: Twilio inbound SMS and status callbacks, and USSD.

Each route checks the request (400 with the reason, 403 on a bad signature, 413 over
the size limit), translates it through its channel module, and lets
`dialogue.turn.handle` run the turn.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from flask import Blueprint, Response, request

from gateway import runtime
from gateway.dialogue import router
from gateway.dialogue.messages import Busy, Inbound, RedisDown, Reply
from gateway.dialogue.turn import handle
from gateway.edge import ussd_auth
from gateway.edge.inputs import refused_character, shown, whole_number
from gateway.flows.messages import render
from gateway.phones import InvalidPhone, normalise
from gateway.sms import twilio, ussd
from gateway.store import messages
from gateway.store.db import transaction
from gateway.text import DEFAULT_LANGUAGE

bp = Blueprint("webhooks", __name__)
log = logging.getLogger(__name__)
MAX_SMS_BODY = 1600  # Twilio's own limit for one inbound message
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
    raw = request.get_data(cache=True)
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False,
                          encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise BadRequest("body is not valid UTF-8 form data") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise BadRequest(f"field '{shown(name)}' given more than once")
        refused = refused_character(name) or refused_character(value)
        if refused:
            raise BadRequest(f"field '{shown(name)}' contains {refused}")
        form[name] = value
    return form



def text_response(body: str, status: int = 200, mimetype: str = "text/plain") -> Response:
    """A response with an explicit charset."""
    return Response(body, status=status, mimetype=mimetype)


@bp.errorhandler(BadRequest)
def bad_request(error: BadRequest) -> Response:
    """400 with the reason."""
    return text_response(f"Bad request: {error}\n", 400)


@bp.errorhandler(ussd.BadRequest)
def bad_ussd_request(error: ussd.BadRequest) -> Response:
    """400 with the reason."""
    return text_response(f"Bad request: {error}\n", 400)


@bp.errorhandler(Busy)
def busy(_error: Busy) -> Response:
    """The phone's previous message is still being handled: ask the provider to retry."""
    response = text_response("Busy: a previous message from this phone is in progress\n", 503)
    response.headers["Retry-After"] = "1"
    return response


def redis_down(error: Exception) -> Response:
    """Redis is unreachable, so no turn can run: Twilio is asked to retry (503), a USSD
    session, which cannot be retried, ends with the apology. Logged here, once."""
    log.warning("redis unavailable: %s answered without a turn", request.path,
                extra={"error": type(error).__name__})
    if request.endpoint == "webhooks.ussd_request":
        apology = render("dialogue.error", DEFAULT_LANGUAGE, None, "ussd")
        return text_response(ussd.answer(Reply((apology,))))
    response = text_response("Service unavailable: please retry later\n", 503)
    response.headers["Retry-After"] = str(REDIS_DOWN_RETRY_SECONDS)
    return response


for _kind in RedisDown:
    bp.register_error_handler(_kind, redis_down)


def _require(form: dict[str, str], *names: str) -> None:
    for name in names:
        if name not in form:
            raise BadRequest(f"field '{name}' required")
        if name != "Body" and not form[name].strip():
            raise BadRequest(f"field '{name}' must not be empty")


def _check_twilio_signature(form: dict[str, str]) -> Response | None:
    token = runtime.current().config.twilio_auth_token
    if not token:
        return None
    base = runtime.current().config.public_base_url
    url = base + request.full_path.rstrip("?") if base else request.url
    signature = request.headers.get("X-Twilio-Signature", "")
    if not twilio.valid_signature(token, url, form, signature):
        return text_response("Forbidden: invalid X-Twilio-Signature\n", 403)
    return None


@bp.post("/sms/twilio")
def twilio_inbound() -> Response:
    """An SMS from a phone: answer with TwiML carrying the reply."""
    form = form_fields()
    denied = _check_twilio_signature(form)
    if denied:
        return denied
    _require(form, "From", "To", "Body", "MessageSid")
    if len(form["Body"]) > MAX_SMS_BODY:
        raise BadRequest(f"field 'Body' longer than {MAX_SMS_BODY} characters")
    # Refused rather than cut: two long ids sharing a prefix would be taken for a
    # retry of each other, and the second message silently lost.
    if len(form["MessageSid"]) > MAX_SID:
        raise BadRequest(f"field 'MessageSid' longer than {MAX_SID} characters")
    try:
        phone = normalise(form["From"])
    except InvalidPhone:
        raise BadRequest("field 'From' is not a valid mobile number") from None
    inbound = Inbound(channel="sms", provider="twilio", provider_id=form["MessageSid"],
                      phone=phone, text=form["Body"], recipient=form["To"][:32])
    reply = handle(runtime.current(), inbound, router.sms)
    return text_response(twilio.twiml(reply.texts), mimetype="application/xml")


@bp.post("/sms/twilio/status")
def twilio_status() -> Response:
    """A delivery report for a message we sent."""
    form = form_fields()
    denied = _check_twilio_signature(form)
    if denied:
        return denied
    _require(form, "MessageSid", "MessageStatus")
    if len(form["MessageSid"].strip()) > MAX_SID:
        raise BadRequest(f"field 'MessageSid' longer than {MAX_SID} characters")
    if len(form.get("ErrorCode", "")) > MAX_ERROR_CODE:
        raise BadRequest(f"field 'ErrorCode' longer than {MAX_ERROR_CODE} characters")
    status = twilio.STATUS_MAP.get(form["MessageStatus"].strip().lower())
    if status is None:
        raise BadRequest(f"field 'MessageStatus' has unknown value {form['MessageStatus'][:40]!r}")
    # `m` is the outbox id the gateway put in the callback URL; anything else there
    # (a number beyond the column, letters) cannot be ours and is ignored.
    ref = request.args.get("m", "")
    with transaction(runtime.current().sessions) as session:
        known = messages.apply_status(session, form["MessageSid"].strip(), status,
                                      form.get("ErrorCode") or None, whole_number(ref))
    # An unknown SID (e.g. a TwiML reply) is acknowledged so Twilio does not retry.
    return text_response("ok\n" if known else "ignored: unknown MessageSid\n")


def _check_ussd_caller() -> Response | None:
    """403 unless the request comes from the configured aggregator (gateway.edge.ussd_auth)."""
    if ussd_auth.allowed(runtime.current().config, request):
        return None
    return text_response("Forbidden: USSD requests must come from the aggregator\n", 403)


@bp.post("/ussd")
def ussd_request() -> Response:
    """A USSD request from the aggregator: answer `CON …` or `END …`."""
    denied = _check_ussd_caller()
    if denied:
        return denied
    inbound = ussd.parse(form_fields())
    reply = handle(runtime.current(), inbound, router.ussd)
    return text_response(ussd.answer(reply))
