"""How each record looks in the API (and in the change feed, through
`gateway.api.feed`): one output schema per topic, and `SCHEMAS`, the schema of each
topic. Turning model rows into these shapes is `gateway.api.presenting`'s work."""

from __future__ import annotations

import marshmallow as ma

from gateway.flows import symptoms as symptom_table

F = ma.fields
CHANNEL = {"description": "where the record came from: sms, ussd, hotline, web, cli, or "
                          "team (a community team member, for a resident)"}
OPERATOR = {"description": "the hotline operator, venue staff or API caller who made it"}


class ConsentOut(ma.Schema):
    """A consent as a declaration carries it: the answer it was made under."""

    answer = F.String(required=True, metadata={
        "description": "agree, or legal_basis when the gateway runs under one"})
    channel = F.String(required=True, metadata=CHANNEL)
    at = F.DateTime(required=True, metadata={"description": "when it was given"})
    notice_version = F.String(required=True)
    legal_basis = F.String(allow_none=True, metadata={
        "description": "the article processed under (CONSENT_LEGAL_BASIS), e.g. art19_1c"})


class ConsentRecordOut(ma.Schema):
    """One answer to the privacy notice, in the change feed (topic `consent`): the
    latest of a phone is its current state; `withdraw` means stop processing that
    rests on its consent."""

    id = F.Integer(required=True)
    phone = F.String(required=True)
    channel = F.String(required=True, metadata=CHANNEL)
    answer = F.String(required=True, metadata={
        "description": "agree, refuse, withdraw or legal_basis"})
    notice_version = F.String(required=True)
    notice_hash = F.String(allow_none=True, metadata={
        "description": "sha256 of the exact notice text shown"})
    legal_basis = F.String(allow_none=True)
    operator = F.String(allow_none=True, metadata=OPERATOR)
    given_at = F.DateTime(required=True)
    created_at = F.DateTime(required=True)


class DeclarationOut(ma.Schema):
    """A medical declaration."""

    id = F.Integer(required=True)
    code = F.String(required=True, metadata={"description": "declaration code, 8 characters"})
    declarer_phone = F.String(required=True)
    subject_phone = F.String(allow_none=True, metadata={
        "description": "the declared person's phone; null when they have none"})
    relation = F.String(required=True)
    full_name = F.String(required=True)
    birth_year = F.Integer(required=True)
    gender = F.String(required=True)
    id_type = F.String(allow_none=True)
    id_number = F.String(allow_none=True)
    insurance_number = F.String(allow_none=True)
    province_code = F.Integer(required=True)
    province_name = F.String(required=True)
    ward_code = F.Integer(required=True)
    ward_name = F.String(required=True)
    street = F.String(required=True)
    symptoms = F.List(F.Integer(), required=True)
    contact = F.Boolean(required=True)
    travel = F.Boolean(required=True)
    risk = F.String(required=True, metadata={"description": "low or high"})
    follow_up = F.Boolean(required=True)
    channel = F.String(required=True, metadata=CHANNEL)
    verification = F.String(required=True)
    operator = F.String(allow_none=True, metadata=OPERATOR)
    form_version = F.String(required=True)
    created_at = F.DateTime(required=True)
    valid_until = F.DateTime(required=True)
    consent = F.Nested(ConsentOut, allow_none=True, required=True, metadata={
        "description": "the consent (or legal basis) it was made under; null for "
                       "declarations made before consent was recorded"})


class VenueOut(ma.Schema):
    """A venue (điểm kiểm dịch) and the ways to check in there."""

    id = F.Integer(required=True)
    code = F.String(required=True)
    name = F.String(required=True)
    kind = F.String(required=True)
    province_code = F.Integer(required=True)
    province_name = F.String(required=True)
    ward_code = F.Integer(allow_none=True)
    ward_name = F.String(required=True)
    street = F.String(required=True)
    contact_phone = F.String(allow_none=True)
    active = F.Boolean(required=True)
    channel = F.String(required=True, metadata=CHANNEL)
    operator = F.String(allow_none=True, metadata=OPERATOR)
    created_at = F.DateTime(required=True)
    poster_url = F.String(required=True, metadata={"description": "printable poster (SVG)"})
    qr_url = F.String(required=True, metadata={"description": "the QR code (PNG)"})


class VisitOut(ma.Schema):
    """One check-in at a venue."""

    id = F.Integer(required=True)
    venue_code = F.String(required=True)
    venue_name = F.String(required=True)
    phone = F.String(required=True)
    declaration_code = F.String(allow_none=True)
    channel = F.String(required=True, metadata=CHANNEL)
    operator = F.String(allow_none=True, metadata=OPERATOR)
    checked_in_at = F.DateTime(required=True)
    checked_out_at = F.DateTime(allow_none=True)
    closed_by = F.String(allow_none=True, metadata={
        "description": "checkout, elsewhere (checked in elsewhere) or auto"})


class AlertOut(ma.Schema):
    """Danger signs a case's report raised, and who cleared them, when and why."""

    id = F.Integer(required=True)
    report_id = F.Integer(allow_none=True, metadata={
        "description": "the health report that raised it (null once that report is deleted)"})
    raised_at = F.DateTime(required=True)
    reasons = F.List(F.Integer(), required=True, metadata={
        "description": "danger signs: symptom numbers as in reports, 0 for the temperature"})
    cleared_at = F.DateTime(allow_none=True, metadata={"description": "null while open"})
    cleared_by = F.String(allow_none=True, metadata={"description": "the manager's username"})
    note = F.String(required=True, metadata={"description": "what the manager did"})


class CaseOut(ma.Schema):
    """A quarantine case, with its alerts."""

    id = F.Integer(required=True)
    phone = F.String(required=True, allow_none=True, metadata={
        "description": "null for a resident without a phone, added by a community team"})
    full_name = F.String(required=True)
    kind = F.String(required=True, metadata={"description": "home, facility or area"})
    venue_code = F.String(allow_none=True, metadata={"description": "the facility"})
    start_date = F.Date(required=True)
    end_date = F.Date(required=True)
    manager = F.String(required=True, metadata={"description": "the manager's username"})
    status = F.String(required=True, metadata={"description": "active or closed"})
    alert = F.Boolean(required=True, metadata={
        "description": "the case has an alert not cleared yet"})
    alerts = F.List(F.Nested(AlertOut), required=True, metadata={
        "description": "every alert of the case, oldest first"})
    channel = F.String(required=True, metadata=CHANNEL)
    operator = F.String(allow_none=True, metadata=OPERATOR)
    created_at = F.DateTime(required=True)
    updated_at = F.DateTime(required=True)
    birth_year = F.Integer(allow_none=True, metadata={
        "description": "a resident without a phone: their year of birth (else null)"})
    address = F.String(allow_none=True, metadata={
        "description": "a resident without a phone: their address (else null)"})
    area_code = F.String(allow_none=True, metadata={
        "description": "kind area: the isolation area the person is a resident of"})


class ReportedByOut(ma.Schema):
    """Who made a report for the person: an operator or a community team member, and
    for a resident without a phone the member's relation to them."""

    operator = F.String(required=True, metadata=OPERATOR)
    relation = F.String(allow_none=True, metadata={
        "description": "neighbour, family, team_member or the member's own words; null "
                       "when the person confirmed it with a code read back"})


class ReportOut(ma.Schema):
    """A quarantined person's report for one local day."""

    id = F.Integer(required=True)
    case_id = F.Integer(required=True)
    report_date = F.Date(required=True)
    symptoms = F.List(F.Integer(), required=True, metadata={
        "description": "1-6 as in the declaration, " + symptom_table.numbered(
            tuple(n for n in symptom_table.REPORTED if n not in symptom_table.DECLARED), "en",
            separator=", ").lower()})
    temperature = F.Float(allow_none=True)
    danger = F.Boolean(required=True)
    channel = F.String(required=True, metadata=CHANNEL)
    operator = F.String(allow_none=True, metadata=OPERATOR)
    reported_by = F.Nested(ReportedByOut, required=True, allow_none=True, metadata={
        "description": "null when the person reported from their own phone"})
    verified = F.Boolean(required=True, metadata={
        "description": "false for a community team's report for a resident without a "
                       "phone: no code proved the resident agreed"})
    created_at = F.DateTime(required=True)
    updated_at = F.DateTime(required=True)


class ExposureCaseOut(ma.Schema):
    """A confirmed case marked for exposure notification, and its confirmation."""

    id = F.Integer(required=True)
    phone = F.String(required=True, metadata={
        "description": "the case's phone: never shown to the exposed, never in a message"})
    window_start = F.DateTime(required=True)
    window_end = F.DateTime(required=True)
    status = F.String(required=True, metadata={
        "description": "review (exposures listed, nobody texted) or notified"})
    channel = F.String(required=True, metadata=CHANNEL)
    operator = F.String(allow_none=True, metadata=OPERATOR)
    notified_at = F.DateTime(allow_none=True, metadata={"description": "first confirmation"})
    notified_by = F.String(allow_none=True, metadata={"description": "who confirmed"})
    created_at = F.DateTime(required=True)
    updated_at = F.DateTime(required=True)


class ExposureOut(ma.Schema):
    """A case's exposure: another phone's visit that overlapped the case's."""

    id = F.Integer(required=True)
    case_id = F.Integer(required=True)
    phone = F.String(required=True, metadata={"description": "the exposed phone"})
    venue_code = F.String(required=True)
    venue_name = F.String(required=True)
    visit_id = F.Integer(required=True, metadata={"description": "the exposed phone's visit"})
    overlap_start = F.DateTime(required=True)
    overlap_end = F.DateTime(required=True)
    notice_id = F.Integer(allow_none=True, metadata={
        "description": "its notice (shared by every case over the same visit); null "
                       "until the case is confirmed"})
    created_at = F.DateTime(required=True)


class ExposureNoticeOut(ma.Schema):
    """The one SMS an exposed phone gets about one exposure, and its answer."""

    id = F.Integer(required=True)
    phone = F.String(required=True)
    venue_code = F.String(required=True)
    venue_name = F.String(required=True)
    visit_id = F.Integer(required=True)
    overlap_start = F.DateTime(required=True)
    overlap_end = F.DateTime(required=True)
    message_id = F.Integer(allow_none=True, metadata={"description": "its outbox row"})
    notified_at = F.DateTime(allow_none=True)
    answer = F.String(allow_none=True, metadata={
        "description": "isolating (replied 1), symptoms (replied 2), or null"})
    answered_at = F.DateTime(allow_none=True)
    answer_channel = F.String(allow_none=True)
    channel = F.String(required=True, metadata=CHANNEL)
    operator = F.String(allow_none=True, metadata={"description": "who confirmed the case"})
    created_at = F.DateTime(required=True)
    updated_at = F.DateTime(required=True)


class IsolationAreaOut(ma.Schema):
    """An area under isolation: its residents are followed as quarantine cases of kind
    `area` (their `area_code`) until it is lifted."""

    id = F.Integer(required=True)
    code = F.String(required=True, metadata={
        "description": "7 digits, the last a check digit: residents text KV <code> to join"})
    province_code = F.Integer(required=True)
    province_name = F.String(required=True)
    ward_code = F.Integer(required=True)
    ward_name = F.String(required=True)
    street = F.String(required=True, metadata={
        "description": "street group / hamlet text its residents' street contains; '' for "
                       "the whole commune"})
    start_date = F.Date(required=True)
    end_date = F.Date(required=True, metadata={"description": "the last day, included"})
    status = F.String(required=True, metadata={"description": "active or lifted"})
    manager = F.String(required=True, metadata={
        "description": "username of the manager whose digest carries the area"})
    declared_by = F.String(allow_none=True, metadata={
        "description": "the console user who declared it (null: an API token)"})
    enrolled_at = F.DateTime(allow_none=True, metadata={
        "description": "when the residents found by their declarations were enrolled"})
    lifted_at = F.DateTime(allow_none=True)
    channel = F.String(required=True, metadata=CHANNEL)
    operator = F.String(allow_none=True, metadata=OPERATOR)
    created_at = F.DateTime(required=True)
    updated_at = F.DateTime(required=True)


SCHEMAS: dict[str, type[ma.Schema]] = {
    "declaration": DeclarationOut, "venue": VenueOut, "visit": VisitOut,
    "quarantine_case": CaseOut, "health_report": ReportOut, "consent": ConsentRecordOut,
    "exposure_case": ExposureCaseOut, "exposure": ExposureOut,
    "exposure_notice": ExposureNoticeOut, "isolation_area": IsolationAreaOut}
