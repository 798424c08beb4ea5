"""The phone simulator (demo only): a feature phone in the browser that texts and
dials the gateway through the same dialogue handling as real providers, and shows
outbound SMS (such as OTPs) from the outbox. Phones travel in POST bodies, never URLs."""

from __future__ import annotations

import uuid

from flask import Blueprint, Flask, Response, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select

from gateway import runtime, sealing
from gateway.demo.seed import DEMO_VENUE
from gateway.dialogue import router
from gateway.dialogue.messages import Busy, Inbound
from gateway.dialogue.turn import handle
from gateway.phones import InvalidPhone, normalise
from gateway.sms import ussd
from gateway.store.models import OutboundMessage, Venue

# Script and style are files, not inline, so the app-wide CSP (gateway.edge.headers) holds.
bp = Blueprint("simulator", __name__, url_prefix="/simulator", static_folder="static",
               static_url_path="/static", template_folder="templates")
OUTBOX_SHOWN = 20


def init_app(app: Flask) -> None:
    """Serve the simulator, and send a visitor of `/` to it (the demo has no other
    home page; outside the demo `/` stays a 404)."""
    app.register_blueprint(bp)
    app.add_url_rule("/", "demo_home", lambda: redirect(url_for("simulator.page")))


@bp.get("/")
def page() -> str:
    """The simulator page, with the demo venue's code to check in with."""
    with runtime.current().sessions() as session:
        venue = session.scalar(select(Venue).where(Venue.name == DEMO_VENUE))
        code = venue.code if venue is not None else None
    return render_template("simulator.html", venue_code=code, venue_name=DEMO_VENUE)


def _phone() -> str:
    try:
        return normalise(str((request.get_json(silent=True) or {}).get("phone", "")))
    except InvalidPhone as error:
        raise _Invalid(str(error)) from None


class _Invalid(ValueError):
    pass


@bp.errorhandler(_Invalid)
@bp.errorhandler(ussd.BadRequest)
def invalid(error: ValueError) -> tuple[Response, int]:
    """400 with the reason, as JSON (the page shows it on the phone's screen)."""
    return jsonify(error=str(error)), 400


@bp.errorhandler(Busy)
def busy(_error: Busy) -> tuple[Response, int]:
    """503 while the phone's previous message is still being handled."""
    return jsonify(error="a previous message from this phone is in progress"), 503


@bp.post("/sms")
def sms() -> Response:
    """Text the gateway as `phone`."""
    data = request.get_json(silent=True) or {}
    text = str(data.get("text", ""))[:1600]
    inbound = Inbound("sms", "sim", uuid.uuid4().hex, _phone(), text, recipient="simulator")
    reply = handle(runtime.current(), inbound, router.sms)
    return jsonify(reply="\n".join(reply.texts))


@bp.post("/ussd")
def dial() -> Response:
    """One USSD request as `phone`: `session` and the cumulative `text`."""
    data = request.get_json(silent=True) or {}
    session = str(data.get("session") or "")[:64]
    if not session:
        raise _Invalid("session required")
    inbound = ussd.parse({"sessionId": session, "serviceCode": str(data.get("code", "*1022#")),
                          "phoneNumber": _phone(), "text": str(data.get("text", ""))})
    reply = handle(runtime.current(), inbound, router.ussd)
    screen = ussd.answer(reply)
    # `screen` is what the aggregator gets; the phone shows it without the CON/END
    # prefix, and whether the session ended.
    return jsonify(screen=screen, text=screen[4:], ended=reply.end)


@bp.post("/outbox")
def outbox() -> Response:
    """The latest outbound SMS to `phone` (OTPs, alerts…)."""
    phone = _phone()
    with runtime.current().sessions() as session:
        rows = session.scalars(select(OutboundMessage).where(OutboundMessage.phone == phone)
                               .order_by(OutboundMessage.id.desc()).limit(OUTBOX_SHOWN))
        items = [{"id": m.id, "body": _text(m), "kind": m.kind, "status": m.status,
                  "at": m.created_at.isoformat()} for m in rows]
    return jsonify(messages=items)


def _text(message: OutboundMessage) -> str:
    """What the phone got: an OTP is masked in the outbox, and the development outbox
    backend keeps its sealed text for this page (a real provider's send clears it)."""
    if message.sealed:
        try:
            return sealing.unseal(runtime.current().config.effective_secret,
                                  message.sealed)
        except sealing.Unreadable:
            pass
    return message.body
