"""Demo data for the embedded mode: a venue to check in at and a phone that declared
before, so the simulator shows the returning-user path. Seeded once, idempotently."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.flows.declaration import FORM_VERSION
from gateway.store import declarations, venues
from gateway.store.models import Venue

DEMO_VENUE = "Chợ Bến Thành (demo)"
RETURNING_PHONE = "+84900000001"


@dataclass(frozen=True)
class Seeded:
    """What the demo offers: the venue code to text, and the returning phone."""

    venue_code: str
    returning_phone: str


def seed(session: Session) -> Seeded:
    """Create the demo records unless they exist."""
    venue = session.scalar(select(Venue).where(Venue.name == DEMO_VENUE))
    if venue is None:
        venue = venues.create(session, name=DEMO_VENUE, kind="market", province_code=79,
                              province_name="Thành phố Hồ Chí Minh", ward_code=26743,
                              ward_name="Phường Bến Thành", street="Lê Lợi", channel="cli")
        declarations.create(
            session, valid_hours=24, declarer_phone=RETURNING_PHONE,
            subject_phone=RETURNING_PHONE, relation="self", full_name="Nguyễn Văn Demo",
            birth_year=1985, gender="male", id_type=None, id_number=None,
            insurance_number=None, province_code=79, province_name="Thành phố Hồ Chí Minh",
            ward_code=26743, ward_name="Phường Bến Thành", street="12 Lê Lợi", symptoms=[],
            contact=False, travel=False, risk="low", follow_up=False, channel="web",
            verification="otp", form_version=FORM_VERSION, answers={})
    return Seeded(venue.code, RETURNING_PHONE)
