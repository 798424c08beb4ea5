"""Demo data for the embedded mode: a venue to check in at, a phone that declared
before (so the simulator shows the returning-user path), and a console login for each
role, with passwords printed in the banner (demo only: nothing else seeds them).
Seeded once, idempotently."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from gateway.flows.consent import notice_version
from gateway.flows.declaration import FORM_VERSION
from gateway.store import areas, consents, declarations, users, venues
from gateway.store.models import Venue, venue_staff

DEMO_VENUE = "Chợ Bến Thành (demo)"
RETURNING_PHONE = "+84900000001"
MANAGER_PHONE = "+84900000002"  # the demo manager's alerts and digests land in the outbox


@dataclass(frozen=True)
class Login:
    """A demo console account: its username, role and demo-only password."""

    username: str
    role: str
    password: str


# One account a role; the username is the role's plain name, the password obviously a
# demo's (the console's minimum is 10 characters).
LOGINS = (Login("operator", "operator", "operator-demo"),
          Login("staff", "venue_staff", "staff-demo"),
          Login("manager", "manager", "manager-demo"),
          Login("officer", "health_officer", "officer-demo"),
          Login("admin", "admin", "admin-demo"),
          Login("team", "community_team", "team-demo"))
# Ho Chi Minh City, the demo venue's: the area of the demo health officer, of the demo
# community team and of the demo manager (whose cases are then the team's residents).
DEMO_PROVINCE = 79
AREA_LOGINS = ("health_officer", "community_team", "manager")


@dataclass(frozen=True)
class Seeded:
    """What the demo offers: the venue code to text, and the returning phone."""

    venue_code: str
    returning_phone: str
    logins: tuple[Login, ...] = LOGINS


def seed(session: Session) -> Seeded:
    """Create the demo records unless they exist."""
    venue = session.scalar(select(Venue).where(Venue.name == DEMO_VENUE))
    if venue is None:
        venue = venues.create(session, name=DEMO_VENUE, kind="market", province_code=79,
                              province_name="Thành phố Hồ Chí Minh", ward_code=26743,
                              ward_name="Phường Bến Thành", street="Lê Lợi", channel="cli")
        # The returning phone agreed to the privacy notice when it first declared.
        agreed = consents.record(session, phone=RETURNING_PHONE, channel="web",
                                 answer="agree", notice_version=notice_version())
        declarations.create(
            session, valid_hours=24, declarer_phone=RETURNING_PHONE,
            subject_phone=RETURNING_PHONE, relation="self", full_name="Nguyễn Văn Demo",
            birth_year=1985, gender="male", id_type=None, id_number=None,
            insurance_number=None, province_code=79, province_name="Thành phố Hồ Chí Minh",
            ward_code=26743, ward_name="Phường Bến Thành", street="12 Lê Lợi", symptoms=[],
            contact=False, travel=False, risk="low", follow_up=False, channel="web",
            verification="otp", form_version=FORM_VERSION, answers={}, consent_id=agreed.id)
    _logins(session, venue)
    return Seeded(venue.code, RETURNING_PHONE)


def _logins(session: Session, venue: Venue) -> None:
    """The demo's console accounts that do not exist yet; the staff one checks visitors
    in at the demo venue; the health officer, the community team and the manager work
    in the demo venue's province."""
    for login in LOGINS:
        if users.by_username(session, login.username) is not None:
            continue
        account = users.create(session, username=login.username, role=login.role,
                               phone=MANAGER_PHONE if login.role == "manager" else None,
                               display_name=f"Demo {login.username}")
        account.password_hash = generate_password_hash(login.password)
        if login.role == "venue_staff":
            session.execute(insert(venue_staff).values(user_id=account.id, venue_id=venue.id))
        if login.role in AREA_LOGINS:
            areas.assign(session, areas.Area(DEMO_PROVINCE), user_id=account.id)
