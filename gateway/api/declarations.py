"""`/api/v1/declarations`: list (filters since, risk), search (`POST /search`: by
phone, ID or insurance number too, in the body: personal data never goes in a URL),
one by code, and create — a declaration made on the web system (channel `web`),
validated like the SMS form with the same parsers and given a code and validity the
same way, and carrying the declarer's consent to the notice (`CONSENT_MODE=ask`) or
recorded under the deployment's legal basis (`legal_basis`)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import marshmallow as ma
from sqlalchemy import or_
from vietnam_provinces import Province, Ward

from gateway import runtime
from gateway.actions import consents as consenting
from gateway.api import areas, paging, presenting, records
from gateway.api.auth import requires
from gateway.api.blueprint import IDEMPOTENCY_KEY, PREFIX, ApiBlueprint
from gateway.api.fields import Integer, Moment, PhoneNumber
from gateway.api.problems import Problem, invalid
from gateway.api.reads import audited
from gateway.api.writes import session, writes
from gateway.codes import parse_declaration_code
from gateway.days import local_date
from gateway.flows import symptoms as symptom_table
from gateway.flows.declaration import (
    FORM_VERSION,
    GENDERS,
    NAME_MAX,
    RELATIONS,
    STREET_MAX,
    SYMPTOMS,
    is_high_risk,
)
from gateway.flows.parsers import FreeText, IdNumber, InsuranceNumber, Invalid
from gateway.quarantine import isolation
from gateway.store import consents, declarations
from gateway.store.models import Consent, Declaration, utcnow

F = ma.fields
blp = ApiBlueprint("declarations", __name__, url_prefix=f"{PREFIX}/declarations",
                   description="Medical declarations (tờ khai y tế), from every channel.")
STRICT_BOOL = {"truthy": {True}, "falsy": {False}}
CLOCK_SKEW = timedelta(minutes=5)


def parsed_by(parser: Any, rule: str) -> Any:
    """A field validator: the SMS form's parser must accept the value ('0', which
    skips over SMS, is refused: null skips here)."""
    def validate(value: Any) -> None:
        if value is None:
            return
        result = parser(value)
        if isinstance(result, Invalid) or result is None:
            raise ma.ValidationError(rule)
    return validate


def birth_year(value: int) -> None:
    """From 1900 to this year, as over SMS."""
    if not 1900 <= value <= date.today().year:
        raise ma.ValidationError(f"must be between 1900 and {date.today().year}")


def distinct(values: list[int]) -> None:
    """Each symptom at most once."""
    if len(set(values)) != len(values):
        raise ma.ValidationError("each symptom at most once")


class ConsentIn(ma.Schema):
    """The person's consent as the web system collected it, after showing its notice."""

    answer = F.String(required=True, validate=ma.validate.OneOf(
        ("agree",), error="must be agree: a person who refused is not declared"))
    at = Moment(required=True, metadata={"description": "when the person agreed (ISO 8601)"})
    notice_version = F.String(required=True, validate=ma.validate.Regexp(
        r"^[A-Za-z0-9._-]{1,40}$", error="1-40 letters, digits, '.', '_' or '-'"), metadata={
        "description": "the version of the notice the web system showed", "example": "web-3"})
    notice_sha256 = F.String(load_default=None, allow_none=True, validate=ma.validate.Regexp(
        r"^[0-9a-f]{64}$", error="the sha256 of the notice's text, 64 hex digits"))

    @ma.validates("at")
    def not_future(self, value: Any, **_kwargs: Any) -> None:
        """A consent cannot come from the future (a few minutes of clock skew allowed)."""
        if value > utcnow() + CLOCK_SKEW:
            raise ma.ValidationError("must not be in the future")


class DeclarationIn(ma.Schema):
    """A declaration made on the web system. The person declared about is `phone`
    (omit it, with a `relation`, for a family member without a phone of their own);
    `declarer_phone` is who declared, `phone` itself by default."""

    phone = PhoneNumber(allow_none=True)
    declarer_phone = PhoneNumber()
    relation = F.String(load_default="self", validate=ma.validate.OneOf(
        ("self", *RELATIONS.values())))
    full_name = F.String(required=True, validate=parsed_by(
        FreeText(max_length=NAME_MAX), f"must have 2 to {NAME_MAX} characters"),
        metadata={"example": "Nguyen Van A"})
    birth_year = F.Integer(required=True, strict=True, validate=birth_year,
                           metadata={"example": 1980})
    gender = F.String(required=True, validate=ma.validate.OneOf(tuple(GENDERS)))
    id_number = F.String(allow_none=True, validate=parsed_by(
        IdNumber(), "CCCD has 12 digits, CMND 9, a passport 1-2 letters and 6-8 digits"),
        metadata={
        "description": "CCCD (12 digits), CMND (9 digits) or passport; null to skip"})
    insurance_number = F.String(allow_none=True, validate=parsed_by(
        InsuranceNumber(), "10 digits, or 2 letters and 13 digits"),
        metadata={"description": "BHYT number; null to skip"})
    province_code = Integer(required=True, strict=True, metadata={
        "description": "official code of the province (34 units since 1 July 2025)",
        "example": 1})
    ward_code = Integer(required=True, strict=True, metadata={
        "description": "official code of the commune/ward, within the province",
        "example": 70})
    street = F.String(required=True, validate=parsed_by(
        FreeText(max_length=STREET_MAX), f"must have 2 to {STREET_MAX} characters"),
        metadata={"example": "12 Hang Bac"})
    symptoms = F.List(F.Integer(strict=True, validate=ma.validate.Range(1, len(SYMPTOMS))),
                      required=True, validate=distinct, metadata={
                          "description": "any of " + symptom_table.numbered(
                              symptom_table.DECLARED, "en", form="console",
                              separator=", ").lower()})
    contact = F.Boolean(required=True, **STRICT_BOOL, metadata={
        "description": "contact with a confirmed or suspected case in the last 14 days"})
    travel = F.Boolean(required=True, **STRICT_BOOL, metadata={
        "description": "travel to an area with cases in the last 14 days"})
    operator = F.String(allow_none=True, validate=ma.validate.Length(min=1, max=60),
                        metadata={"description": "the person who filled it in for the citizen"})
    consent = F.Nested(ConsentIn, load_default=None, allow_none=True, metadata={
        "description": "the declarer's consent to the privacy notice: required unless the "
                       "gateway runs under a legal basis (CONSENT_MODE=legal_basis)"})

    @ma.post_load
    def check(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        """Rules across fields, and the answers in the form's own shapes."""
        errors: dict[str, list[str]] = {}
        if data.get("phone") is None and data["relation"] == "self":
            errors["phone"] = ["required when relation is self"]
        if data.get("phone") is None and data.get("declarer_phone") is None:
            errors.setdefault("declarer_phone", []).append("required when phone is null")
        data.update(_place(errors, data["province_code"], data["ward_code"]))
        if errors:
            raise ma.ValidationError(errors)
        data["full_name"] = FreeText(max_length=NAME_MAX)(data["full_name"])
        data["street"] = FreeText(max_length=STREET_MAX)(data["street"])
        data["id"] = IdNumber()(data["id_number"]) if data.get("id_number") else None
        if data.get("insurance_number"):
            data["insurance_number"] = InsuranceNumber()(data["insurance_number"])
        return data


def _place(errors: dict, province_code: int, ward_code: int) -> dict[str, Any]:
    try:
        province = Province.from_code(province_code)
    except (ValueError, OverflowError):
        errors["province_code"] = ["not the code of a province"]
        return {}
    try:
        ward = Ward.from_code(ward_code)
    except (ValueError, OverflowError):
        ward = None
    if ward is None or ward.province_code != province.code:
        errors["ward_code"] = [f"not the code of a commune or ward of {province.name}"]
        return {}
    return {"province_name": province.name, "ward_name": ward.name}


class DeclarationFilters(paging.PageArgs):
    """Filters of the declaration list (in the query: nothing personal)."""

    since = Moment(metadata={"description": "made at or after this time (ISO 8601)"})
    risk = F.String(validate=ma.validate.OneOf(("low", "high")))


class DeclarationSearch(DeclarationFilters):
    """The list's filters and the personal ones, in a JSON body (never in a URL)."""

    phone = PhoneNumber(metadata={"description": "declarations about or by this phone"})
    id_number = F.String(validate=parsed_by(
        IdNumber(), "CCCD has 12 digits, CMND 9, a passport 1-2 letters and 6-8 digits"),
        metadata={"description": "declarations with this CCCD, CMND or passport number"})
    insurance_number = F.String(validate=parsed_by(
        InsuranceNumber(), "10 digits, or 2 letters and 13 digits"),
        metadata={"description": "declarations with this BHYT number"})


DeclarationPage = paging.page_schema(records.DeclarationOut, "DeclarationPage")


@blp.route("", methods=["GET"])
@requires("read")
@blp.arguments(DeclarationFilters, location="query")
@blp.response(200, DeclarationPage)
def list_declarations(args: dict[str, Any]) -> dict[str, Any]:
    """Declarations, oldest first, optionally since a time, by risk. To find a person's,
    use `POST /api/v1/declarations/search`."""
    return _listed(args)


@blp.route("/search", methods=["POST"])
@requires("read")
@blp.arguments(DeclarationSearch)
@blp.response(200, DeclarationPage)
def search_declarations(args: dict[str, Any]) -> dict[str, Any]:
    """Declarations, oldest first, about or by a phone, with an ID or insurance number
    (exact match), since a time, by risk; the next page is the same body with `after`."""
    return _listed(args)


def _listed(args: dict[str, Any]) -> dict[str, Any]:
    query = paging.listing(Declaration, args, "risk")
    if "phone" in args:
        query = query.where(or_(Declaration.subject_phone == args["phone"],
                                Declaration.declarer_phone == args["phone"]))
    if "since" in args:
        query = query.where(Declaration.created_at >= args["since"])
    with runtime.current().sessions() as db:
        if "id_number" in args:
            query = query.where(declarations.with_id_number(
                db, IdNumber()(args["id_number"])["number"]))
        if "insurance_number" in args:
            query = query.where(declarations.with_insurance_number(
                db, InsuranceNumber()(args["insurance_number"])))
        found = presenting.page(db, "declaration", areas.limit(query, Declaration), args["limit"])
    audited(len(found["items"]))
    return found


@blp.route("/<code>", methods=["GET"])
@requires("read")
@blp.response(200, records.DeclarationOut)
def get_declaration(code: str) -> dict[str, Any]:
    """One declaration by its code (any case; spaces and dashes ignored)."""
    canonical = parse_declaration_code(code[:40])
    with runtime.current().sessions() as db:
        found = declarations.by_code(db, canonical) if canonical else None
        if found is None or not areas.covers(found.province_code, found.ward_code):
            raise Problem(404, "no declaration has this code")
        return presenting.present(db, "declaration", [found])[0]


@blp.route("", methods=["POST"])
@requires("write")
@writes
@blp.doc(parameters=[IDEMPOTENCY_KEY])
@blp.arguments(DeclarationIn)
@blp.response(201, records.DeclarationOut)
def create_declaration(data: dict[str, Any]) -> dict[str, Any]:
    """Record a declaration made on the web system; it gets a code and a validity like
    one made over SMS, and `TT`, check-in and the hotline see it at once."""
    areas.check_place("this address", data["province_code"], data["ward_code"])
    high = is_high_risk(data)
    identity = data["id"] or {}
    answers = {k: v for k, v in data.items() if k not in ("id", "operator", "consent")}
    consent = _consent(data)
    made = declarations.create(
        session(), valid_hours=runtime.current().config.declaration_valid_hours,
        declarer_phone=data.get("declarer_phone") or data["phone"],
        subject_phone=data.get("phone"), relation=data["relation"],
        full_name=data["full_name"], birth_year=data["birth_year"], gender=data["gender"],
        id_type=identity.get("type"), id_number=identity.get("number"),
        insurance_number=data["insurance_number"], province_code=data["province_code"],
        province_name=data["province_name"], ward_code=data["ward_code"],
        ward_name=data["ward_name"], street=data["street"],
        symptoms=sorted(data["symptoms"]), contact=data["contact"], travel=data["travel"],
        risk="high" if high else "low", follow_up=high, channel="web",
        verification="web", operator=data.get("operator"), form_version=FORM_VERSION,
        answers=answers, consent_id=consent.id)
    # A person declaring an address inside an active isolation area joins it (as on SMS).
    isolation.join_declared(session(), made, local_date(made.created_at,
                                                        runtime.current().config.tz))
    return presenting.present(session(), "declaration", [made])[0]


def _consent(data: dict[str, Any]) -> Consent:
    """Record the declarer's consent (or, under a legal basis, that basis) in the
    request's transaction; a declaration without consent is refused in ask mode."""
    config = runtime.current().config
    given = data.get("consent")
    phone = data.get("declarer_phone") or data["phone"]
    if consenting.legal_basis_mode(config):
        return consents.record(session(), phone=phone, channel="web", answer="legal_basis",
                               notice_version=given["notice_version"] if given
                               else consenting.notice_version(config),
                               notice_hash=given["notice_sha256"] if given else None,
                               legal_basis=config.consent_legal_basis,
                               operator=data.get("operator"))
    if given is None:
        invalid("consent", "required: the declarer's answer to the privacy notice "
                           "({\"answer\": \"agree\", \"at\": ..., \"notice_version\": ...})")
    return consents.record(session(), phone=phone, channel="web", answer="agree",
                           notice_version=given["notice_version"],
                           notice_hash=given["notice_sha256"], operator=data.get("operator"),
                           given_at=given["at"])
