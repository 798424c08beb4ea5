"""Console accounts: creating users, their passwords and venues, and checking a login
with lock-out. Record functions take a database session and never commit.

Passwords are hashed with werkzeug's scrypt (salted, memory-hard). A wrong password
counts against the account; after `MAX_FAILED` in a row it is locked for
`LOCK_MINUTES`. An unknown username costs the same hash computation as a known one,
so response time does not tell which usernames exist; a locked account costs it too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from gateway.phones import InvalidPhone, normalise
from gateway.store import areas, users
from gateway.store import venues as venue_records
from gateway.store.models import User, Venue, utcnow, venue_staff

ROLES = users.ROLES
# The roles whose console pages are narrowed to an area (gateway/store/areas.py).
# Operators take calls from the whole country, venue staff are bound to venues,
# administrators see all.
AREA_ROLES = ("manager", "health_officer", "community_team")
# The roles that must have an area: a health officer's dashboard is a locality's, a
# community team works in its own street group, hamlet or ward; a national view is
# the administrator's.
AREA_NEEDED = ("health_officer", "community_team")
MAX_FAILED = 5
LOCK_MINUTES = 15
PASSWORD_MIN = 10
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,59}$")
# Verified against when the username is unknown, so both paths cost one hash check.
_DUMMY_HASH = generate_password_hash("not-a-real-password-only-for-timing")


class AccountError(ValueError):
    """A user cannot be created or changed as asked; `field` names the culprit and
    `key` the console message (with `vars`)."""

    def __init__(self, field: str, key: str, **variables):
        super().__init__(f"{field}: {key}")
        self.field, self.key, self.vars = field, key, variables


def check_password(password: str) -> None:
    """Refuse a password shorter than PASSWORD_MIN characters."""
    if len(password or "") < PASSWORD_MIN:
        raise AccountError("password", "error.password_short", min=PASSWORD_MIN)


def create(session: Session, *, username: str, role: str, password: str | None = None,
           phone: str | None = None, venue_codes: tuple[str, ...] = (),
           display_name: str = "", area: areas.Area | None = None) -> User:
    """A new user. Venue staff need at least one venue; a manager's phone receives
    alerts and digests; a manager may be limited to an area. Without a password the
    user cannot sign in to the console."""
    username = (username or "").strip().lower()
    if not USERNAME.match(username):
        raise AccountError("username", "error.username")
    if role not in ROLES:
        raise AccountError("role", "error.role")
    if users.by_username(session, username) is not None:
        raise AccountError("username", "error.username_taken")
    number = _phone(phone)
    places = venues_by_code(session, venue_codes)
    if role == "venue_staff" and not places:
        raise AccountError("venues", "error.venues_needed")
    if password is not None:
        check_password(password)
    check_area_role(role, area)
    user = users.create(session, username=username, role=role, phone=number,
                        display_name=" ".join((display_name or "").split())[:80])
    if password:
        user.password_hash = generate_password_hash(password)
    bind_venues(session, user, places)
    areas.assign(session, area, user_id=user.id)
    return user


def check_area_role(role: str, area: areas.Area | None) -> None:
    """Refuse an area for a role whose pages it would not narrow (a limit that
    silently did nothing would mislead the administrator), and no area for a role
    that needs one."""
    if area is not None and role not in AREA_ROLES:
        raise AccountError("province", "error.area_role")
    if area is None and role in AREA_NEEDED:
        raise AccountError("province", "team.area_needed" if role == "community_team"
                           else "error.area_needed")


def _phone(phone: str | None) -> str | None:
    if not (phone or "").strip():
        return None
    try:
        return normalise(phone)
    except InvalidPhone:
        raise AccountError("phone", "error.phone") from None


def venues_by_code(session: Session, codes: tuple[str, ...]) -> list[Venue]:
    """The venues with these codes; an unknown code is refused by name."""
    found = []
    for code in dict.fromkeys(c.strip() for c in codes if c.strip()):
        venue = venue_records.by_code(session, code)
        if venue is None:
            raise AccountError("venues", "error.venue_unknown", code=code)
        found.append(venue)
    return found


def bind_venues(session: Session, user: User, places: list[Venue]) -> None:
    """Make `places` the venues `user` checks visitors in at (replacing any before)."""
    session.execute(delete(venue_staff).where(venue_staff.c.user_id == user.id))
    if places:
        session.execute(insert(venue_staff), [{"user_id": user.id, "venue_id": v.id}
                                              for v in places])


def venues_of(session: Session, user_id: int) -> list[Venue]:
    """The active venues a venue_staff user is bound to, by name."""
    return list(session.scalars(
        select(Venue).join(venue_staff, venue_staff.c.venue_id == Venue.id)
        .where(venue_staff.c.user_id == user_id, Venue.active.is_(True)).order_by(Venue.name)))


def set_password(user: User, password: str) -> None:
    """Give `user` a new password and lift any lock."""
    check_password(password)
    user.password_hash = generate_password_hash(password)
    unlock(user)


def unlock(user: User) -> None:
    """Forget failed logins."""
    user.failed_logins = 0
    user.locked_until = None


@dataclass(frozen=True)
class Login:
    """The result of a login attempt: `status` is ok, wrong or locked."""

    status: str
    user: User | None = None
    locked_until: datetime | None = None


def authenticate(session: Session, username: str, password: str,
                 now: datetime | None = None) -> Login:
    """Check a username and password, counting failures and locking the account after
    MAX_FAILED in a row. A locked account is refused even with the right password."""
    now = now or utcnow()
    user = session.scalar(select(User).where(User.username == (username or "").strip().lower())
                          .with_for_update())
    if user is None or not user.active or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password or "")
        return Login("wrong")
    if user.locked_until is not None and user.locked_until > now:
        # The same hash check as any attempt: a locked account must not answer faster.
        check_password_hash(user.password_hash, password or "")
        return Login("locked", locked_until=user.locked_until)
    if not check_password_hash(user.password_hash, password or ""):
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= MAX_FAILED:
            user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
            user.failed_logins = 0
            return Login("locked", locked_until=user.locked_until)
        return Login("wrong")
    unlock(user)
    return Login("ok", user=user)
