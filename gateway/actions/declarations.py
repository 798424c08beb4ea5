"""Declarations inside dialogues: what the form needs to know before it starts
(`declaration.context`), offering a returning phone its last answers
(`declaration.reuse`), writing the record with the consent it was made under (outcome
`declaration`, also the console's declaration) and `TT` (`status.lookup`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from gateway.actions.context import Context, Records
from gateway.days import local_date
from gateway.flows.declaration import FORM_VERSION, is_high_risk, ward
from gateway.quarantine import isolation
from gateway.store import consents, declarations, phones, venues
from gateway.store import quarantine as cases
from gateway.store.models import Venue, utcnow


def local_time(context: Records, moment: datetime) -> str:
    """'14:05 24/11' in the gateway's timezone."""
    return moment.astimezone(context.runtime.config.tz).strftime("%H:%M %d/%m")


def before_form(context: Context, args: Mapping[str, Any]) -> tuple[str, dict]:
    """Whether the declarer's phone is verified (USSD: by the network; else by a recent
    OTP), and the identity of their last declaration, if any."""
    previous = declarations.last_identity(context.session, context.inbound.phone)
    data: dict[str, Any] = {"previous": previous}
    if context.inbound.channel == "ussd":
        return "verified", {**data, "verification": "network"}
    if phones.is_verified(context.phone):
        return "verified", {**data, "verification": "otp"}
    return "unverified", data


def reuse(context: Context, args: Mapping[str, Any]) -> tuple[str, dict]:
    """Take the identity and address of the last declaration as this one's answers."""
    last = args["previous"]
    id_number = ({"type": last["id_type"], "number": last["id_number"]}
                 if last["id_number"] else None)
    return "ok", {
        "name": last["full_name"], "birth_year": last["birth_year"], "gender": last["gender"],
        "id_number": id_number, "insurance": last["insurance_number"],
        "province": {"code": last["province_code"], "name": last["province_name"]},
        "commune": {"code": last["ward_code"], "name": last["ward_name"]},
        "street": last["street"]}


def record(context: Records, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Write the declaration; its code and validity go into the closing message."""
    inbound = context.inbound
    member = answers.get("member_phone")
    on_behalf = "relation" in answers
    id_number = answers.get("id_number") or {}
    place = ward(answers)
    high = is_high_risk(answers)
    # The declarer's consent (or notice under a legal basis) covers what they declare.
    consent = consents.permitting(context.session, inbound.phone)
    declaration = declarations.create(
        context.session, valid_hours=context.runtime.config.declaration_valid_hours,
        declarer_phone=inbound.phone,
        subject_phone=member if on_behalf else inbound.phone,
        relation=answers["relation"] if on_behalf else "self",
        full_name=answers["name"], birth_year=answers["birth_year"], gender=answers["gender"],
        id_type=id_number.get("type"), id_number=id_number.get("number"),
        insurance_number=answers.get("insurance"),
        province_code=answers["province"]["code"], province_name=answers["province"]["name"],
        ward_code=place["code"], ward_name=place["name"], street=answers["street"],
        symptoms=list(answers["symptoms"]), contact=answers["contact"],
        travel=answers["travel"], risk="high" if high else "low", follow_up=high,
        channel=inbound.channel,
        verification=_verification(answers, on_behalf, member),
        form_version=FORM_VERSION, answers=_answers(answers),
        consent_id=consent.id if consent else None)
    # In the turn's transaction: a person declaring an address inside an area under
    # isolation joins it (once: joining is idempotent), and a rollback undoes both.
    isolation.join_declared(context.session, declaration,
                            local_date(declaration.created_at, context.runtime.config.tz))
    return {"code": declaration.code,
            "valid_until": local_time(context, declaration.valid_until)}


def _verification(answers: Mapping[str, Any], on_behalf: bool, member: str | None) -> str:
    if on_behalf:
        return "otp" if member else "declarer"
    return answers.get("verification", "otp")


def _answers(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Every answer of the form as given (not the dialogue's bookkeeping)."""
    skip = {"phone", "args", "rest", "previous", "verification", "tries_left", "minutes"}
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in answers.items()
            if k not in skip and not k.endswith(("_code", "_retry"))
            and not k.startswith("consent")}


def status(context: Context, args: Mapping[str, Any]) -> tuple[str, dict]:
    """Everything `TT` reports: the latest valid declaration, the open check-in and,
    for a person in quarantine, the days left (today included)."""
    session, phone = context.session, context.inbound.phone
    facts: dict[str, Any] = {}
    latest = declarations.latest_valid(session, phone)
    if latest is not None:
        facts.update(code=latest.code,
                     valid_until=local_time(context, latest.valid_until))
    visit = venues.open_visit(session, phone)
    if visit is not None:
        facts.update(visit_venue=session.get(Venue, visit.venue_id).name[:40],
                     visit_time=local_time(context, visit.checked_in_at))
    today = local_date(utcnow(), context.runtime.config.tz)
    case = cases.active_case(session, phone, today)
    if case is not None:
        facts.update(days_left=(case.end_date - today).days + 1,
                     quarantine_end=case.end_date.strftime("%d/%m"))
    return "ok", facts
