"""Access by area: the province (and optionally communes) an API token or a console
account is limited to, and the one filter per record kind that keeps everything
outside that area out of a query.

An `Area` is a province code and a set of commune/ward codes (empty: the whole
province), official codes of the post-2025 two-level list (`vietnam-provinces`).
`None` stands for "not limited": `limit(query, model, None)` returns the query as is.

Where each record kind lies:
- a declaration: the declared person's address (province and commune);
- a venue: its own province and commune (a venue without a commune is inside a
  province-wide area only);
- a visit: its venue's area;
- a quarantine case: the area of its manager — the locality officer responsible for
  it, who enrolled it or took it over. The person's declared address is not used:
  a case needs no declaration, the address may be old or elsewhere (a Ha Noi resident
  quarantined in a Thanh Hoa facility is Thanh Hoa's case), and it would move when
  the person declares again. A case is inside an area when its manager's area lies
  within it; a case of a manager who is not limited is inside no limited area;
- a health report: its case's area;
- a consent record (an answer to the privacy notice, of any kind: agree, refuse,
  withdraw, legal basis): every area where a declaration of its phone lies —
  declared from that phone or for it. A consent is the basis of the processing of
  those declarations, and each locality holding one must hear of a withdrawal (the
  feed's `consent` events are how the web system learns to stop), so the row is in
  all of their areas, not only in the latest one's; a phone that declared in Ha Noi
  and then in Thanh Hoa is both provinces'. It is cheap: an indexed lookup of the
  phone's declarations (`declarer_phone`, `subject_phone`). A refusal leaves no
  declaration behind, so it lies in no limited area (nothing there rests on it); an
  agreement given in the turn before its declaration's is on the feed before the
  declaration exists, so a limited reader may pass it unseen, but every declaration
  read carries its consent with it. Once an erasure or the purge removes the phone's
  declarations, its consent rows (kept as proof) leave every limited area too.
- an exposure and an exposure notice: their venue's area (where the contact happened);
- a confirmed (exposure) case: the area of the officer or token that marked it, and
  the area of every venue where it exposed someone (so each province's officers see
  the cases that touched their venues, and only those venues' exposures).
- an isolation area: its own province and commune (an officer of one province
  cannot declare, see or lift another's).

Functions take a session and never commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, exists, false, or_, select
from sqlalchemy.orm import Session
from vietnam_provinces import Province, Ward

from gateway.addresses import bare, match_province, match_wards
from gateway.store.models import (
    AreaLimit,
    Consent,
    Declaration,
    Exposure,
    ExposureCase,
    ExposureNotice,
    HealthReport,
    IsolationArea,
    QuarantineCase,
    Venue,
    Visit,
)
from gateway.text import fold


class AreaError(ValueError):
    """A province or commune given for an area is unknown or ambiguous: `field` is
    'province' or 'commune', the message says which and what would be accepted."""

    def __init__(self, field: str, message: str, text: str = ""):
        super().__init__(message)
        self.field, self.text = field, text


@dataclass(frozen=True)
class Area:
    """A province and, optionally, some of its communes/wards (by official code)."""

    province_code: int
    ward_codes: frozenset[int] = field(default_factory=frozenset)

    def covers(self, province_code: int | None, ward_code: int | None) -> bool:
        """Whether a place (a province and maybe a commune) lies in this area."""
        if province_code != self.province_code:
            return False
        return not self.ward_codes or ward_code in self.ward_codes

    def contains(self, other: Area | None) -> bool:
        """Whether all of `other` lies in this area (an unlimited one never does)."""
        if other is None or other.province_code != self.province_code:
            return False
        if not self.ward_codes:
            return True
        return bool(other.ward_codes) and other.ward_codes <= self.ward_codes

    def describe(self) -> str:
        """The area by name: 'Tỉnh Thanh Hóa' or 'Tỉnh Thanh Hóa: Phường Hạc Thành, …'."""
        name = Province.from_code(self.province_code).name
        if not self.ward_codes:
            return name
        return f"{name}: " + ", ".join(sorted(Ward.from_code(c).name for c in self.ward_codes))


def parse(province: str, communes: Iterable[str] = ()) -> Area:
    """The area an administrator names: the province by official code (`38`) or by
    name in any spelling (`Thanh Hoa`, `thanh hóa`, an old name merged into it), each
    commune by official code or by its exact name within that province."""
    found = _province(province)
    wards = frozenset(_ward(found, text) for text in communes if text.strip())
    return Area(found.code.value, wards)


def _province(text: str) -> Province:
    text = text.strip()
    if text.isdigit():  # an official code, not the 1-34 list number SMS users type
        try:
            return Province.from_code(int(text))
        except (ValueError, OverflowError):
            raise AreaError("province", f"{text} is not the official code of a province",
                            text) from None
    found = match_province(text) if text else None
    if found is None:
        raise AreaError("province",
                        f"no province is called {text!r}; give its name or official code", text)
    return found


def _ward(province: Province, text: str) -> int:
    text = text.strip()
    if text.isdigit():
        try:
            ward = Ward.from_code(int(text))
        except (ValueError, OverflowError):
            ward = None
        if ward is None or ward.province_code != province.code:
            raise AreaError("commune", f"{text} is not the code of a commune of {province.name}",
                            text)
        return ward.code.value
    matches = match_wards(province, text)
    exact = [w for w in matches if text and (bare(w.name) == bare(text)
                                             or fold(w.name) == fold(text))]
    if len(exact) == 1:
        return exact[0].code.value
    names = ", ".join(f"{w.name} ({w.code.value})" for w in (exact or matches))
    if names:
        raise AreaError("commune", f"{text!r} in {province.name} is ambiguous or inexact: "
                                   f"did you mean {names}? Give the exact name or the code",
                        text)
    raise AreaError("commune", f"{province.name} has no commune called {text!r}", text)


# --- storing an owner's area ---------------------------------------------------------

def _owner(token_id: int | None, user_id: int | None) -> Any:
    if (token_id is None) == (user_id is None):
        raise ValueError("an area belongs to exactly one token or one user")
    return AreaLimit.token_id == token_id if token_id is not None else (
        AreaLimit.user_id == user_id)


def assign(session: Session, area: Area | None, *, token_id: int | None = None,
           user_id: int | None = None) -> None:
    """Limit a token or a user to `area` (None: lift the limit), replacing any before."""
    session.execute(delete(AreaLimit).where(_owner(token_id, user_id)))
    if area is None:
        return
    owner = {"token_id": token_id, "user_id": user_id, "province_code": area.province_code}
    session.add_all([AreaLimit(**owner, ward_code=code)
                     for code in (sorted(area.ward_codes) or [None])])
    session.flush()


def of(session: Session, *, token_id: int | None = None,
       user_id: int | None = None) -> Area | None:
    """The area a token or a user is limited to; None when it is not limited."""
    rows = session.execute(select(AreaLimit.province_code, AreaLimit.ward_code)
                           .where(_owner(token_id, user_id))).all()
    return _from_rows(rows) if rows else None


def _from_rows(rows: Iterable[tuple[int, int | None]]) -> Area:
    rows = list(rows)
    return Area(rows[0][0], frozenset(ward for _, ward in rows if ward is not None))


def of_users(session: Session, user_ids: Iterable[int]) -> dict[int, Area]:
    """The areas of several users at once (those not limited are left out)."""
    wanted = set(user_ids)
    grouped: dict[int, list[tuple[int, int | None]]] = {}
    if wanted:
        for user_id, province, ward in session.execute(
                select(AreaLimit.user_id, AreaLimit.province_code, AreaLimit.ward_code)
                .where(AreaLimit.user_id.in_(wanted))):
            grouped.setdefault(user_id, []).append((province, ward))
    return {user_id: _from_rows(rows) for user_id, rows in grouped.items()}


def of_tokens(session: Session, token_ids: Iterable[int]) -> dict[int, Area]:
    """The areas of several tokens at once (those not limited are left out)."""
    wanted = set(token_ids)
    grouped: dict[int, list[tuple[int, int | None]]] = {}
    if wanted:
        for token_id, province, ward in session.execute(
                select(AreaLimit.token_id, AreaLimit.province_code, AreaLimit.ward_code)
                .where(AreaLimit.token_id.in_(wanted))):
            grouped.setdefault(token_id, []).append((province, ward))
    return {token_id: _from_rows(rows) for token_id, rows in grouped.items()}


# --- the filter ----------------------------------------------------------------------

def _place(province_column: Any, ward_column: Any, area: Area) -> Any:
    if area.ward_codes:
        return (province_column == area.province_code) & ward_column.in_(area.ward_codes)
    return province_column == area.province_code


def _managers_within(area: Area) -> Any:
    """The ids of users whose own area lies within `area` (see `Area.contains`)."""
    inside = select(AreaLimit.user_id).where(AreaLimit.user_id.is_not(None),
                                             AreaLimit.province_code == area.province_code)
    if not area.ward_codes:
        return inside
    outside = select(AreaLimit.user_id).where(
        AreaLimit.user_id.is_not(None),
        or_(AreaLimit.province_code != area.province_code, AreaLimit.ward_code.is_(None),
            AreaLimit.ward_code.not_in(area.ward_codes)))
    return inside.where(AreaLimit.user_id.not_in(outside))


def condition(model: type, area: Area) -> Any:
    """The SQL condition 'a row of `model` lies in `area`' (the rules in the module
    docstring), for a WHERE clause."""
    if model is Declaration:
        return _place(Declaration.province_code, Declaration.ward_code, area)
    if model is Venue:
        return _place(Venue.province_code, Venue.ward_code, area)
    if model is Visit:
        return Visit.venue_id.in_(select(Venue.id).where(condition(Venue, area)))
    if model is QuarantineCase:
        return QuarantineCase.manager_id.in_(_managers_within(area))
    if model is IsolationArea:
        return _place(IsolationArea.province_code, IsolationArea.ward_code, area)
    if model is HealthReport:
        return HealthReport.case_id.in_(
            select(QuarantineCase.id).where(condition(QuarantineCase, area)))
    if model is Consent:
        declared = condition(Declaration, area)
        return or_(exists().where(Declaration.declarer_phone == Consent.phone, declared),
                   exists().where(Declaration.subject_phone == Consent.phone, declared))
    if model in (Exposure, ExposureNotice):  # exposure notification: its venue's area
        return model.venue_id.in_(select(Venue.id).where(condition(Venue, area)))
    if model is ExposureCase:
        return _exposure_case(area)
    # A kind without a rule is outside every limited area: a new record kind stays
    # hidden from limited readers until someone decides where it lies.
    return false()


def _exposure_case(area: Area) -> Any:
    """A confirmed case lies where it was marked (the area of the officer or token
    that marked it lies within `area`) and wherever one of its exposures' venues lies."""
    tokens = select(AreaLimit.token_id).where(AreaLimit.token_id.is_not(None),
                                              AreaLimit.province_code == area.province_code)
    if area.ward_codes:
        tokens = tokens.where(AreaLimit.token_id.not_in(select(AreaLimit.token_id).where(
            AreaLimit.token_id.is_not(None),
            or_(AreaLimit.province_code != area.province_code, AreaLimit.ward_code.is_(None),
                AreaLimit.ward_code.not_in(area.ward_codes)))))
    return or_(ExposureCase.user_id.in_(_managers_within(area)),
               ExposureCase.token_id.in_(tokens),
               ExposureCase.id.in_(select(Exposure.case_id).where(condition(Exposure, area))))


def limit(query: Any, model: type, area: Area | None) -> Any:
    """`query` (a SELECT over `model`) narrowed to the rows inside `area`; unchanged
    when `area` is None (not limited). Every read of a limited caller goes through
    here, so the rules live in this one place."""
    return query if area is None else query.where(condition(model, area))


def inside(session: Session, model: type, record_id: int, area: Area | None) -> bool:
    """Whether the record `record_id` of `model` exists and lies in `area`."""
    query = limit(select(model.id).where(model.id == record_id), model, area)
    return session.scalar(query) is not None


def visible_ids(session: Session, model: type, ids: Iterable[int],
                area: Area | None) -> set[int]:
    """Which of `ids` (records of `model`) exist and lie in `area`: one query."""
    wanted = set(ids)
    if not wanted:
        return set()
    return set(session.scalars(limit(select(model.id).where(model.id.in_(wanted)), model,
                                     area)))
