"""Staff accounts (operators, venue staff, quarantine managers, health officers of a
locality, administrators, community team members): writing one and finding one by
username. Functions take a session and never commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.store.models import User

ROLES = ("operator", "venue_staff", "manager", "health_officer", "admin",
         "community_team")


def create(session: Session, *, username: str, role: str, phone: str | None = None,
           display_name: str = "") -> User:
    """Write a user (flushed, so it has an id). The caller checks the role and that
    the username is free (`by_username`); the unique key catches a race."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    user = User(username=username, role=role, phone=phone, display_name=display_name,
                active=True)
    session.add(user)
    session.flush()
    return user


def by_username(session: Session, username: str) -> User | None:
    """The user with this username (exact match), if any."""
    return session.scalar(select(User).where(User.username == username))
