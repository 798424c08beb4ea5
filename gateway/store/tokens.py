"""Bearer tokens of the records API: created once and shown once, stored only as a
SHA-256 hash, found by that hash, revocable, each with its scopes (`read`, `write`)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.store.models import ApiToken, utcnow

SCOPES = ("read", "write", "privacy")  # privacy: data-subject export and erasure
PREFIX = "gw_"
# Writing `last_used_at` on every request would turn each read into a write.
TOUCH_EVERY = timedelta(minutes=5)


class TokenError(ValueError):
    """A token cannot be created or revoked as asked; the message says why."""


def digest(secret: str) -> str:
    """The stored form of a token: hex SHA-256. The token carries 256 random bits, so
    a fast hash is enough: there is nothing to guess that a slow hash would protect."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create(session: Session, name: str, scopes: tuple[str, ...] = ("read",)) -> tuple[
        ApiToken, str]:
    """A new token named `name`; returns the record and the secret, which is not kept."""
    name = name.strip()
    if not name or len(name) > 60:
        raise TokenError("the name must be 1-60 characters")
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise TokenError(f"scopes are {', '.join(SCOPES)}; not {', '.join(unknown) or 'none'}")
    if session.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None:
        raise TokenError(f"a token named {name!r} exists; revoke it or pick another name")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name, token_hash=digest(secret),
                     scopes=" ".join(s for s in SCOPES if s in scopes))
    session.add(token)
    session.flush()
    return token, secret


def authenticate(session: Session, secret: str) -> ApiToken | None:
    """The token whose secret this is (revoked ones too: the caller says why it is
    refused), or None. Looked up by hash, so the secret itself is never compared;
    the hashes are compared in constant time all the same."""
    wanted = digest(secret)
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == wanted))
    if token is None or not hmac.compare_digest(token.token_hash, wanted):
        return None
    return token


def touch(session: Session, token: ApiToken, now: datetime | None = None) -> None:
    """Note that the token was used (at most every TOUCH_EVERY)."""
    now = now or utcnow()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        token.last_used_at = now


def revoke(session: Session, name: str, now: datetime | None = None) -> ApiToken:
    """Revoke the token named `name`; revoking twice keeps the first time."""
    token = session.scalar(select(ApiToken).where(ApiToken.name == name.strip()))
    if token is None:
        raise TokenError(f"no token is named {name!r}")
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
    return token


def all_tokens(session: Session) -> list[ApiToken]:
    """Every token, oldest first."""
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id)))


def scopes_of(token: ApiToken) -> frozenset[str]:
    """The token's scopes."""
    return frozenset(token.scopes.split())
