"""The keys that protect ID and health-insurance numbers at rest.

`DATA_ENCRYPTION_KEY` holds one or more Fernet keys (AES-128-CBC + HMAC-SHA256, the
`cryptography` library), comma-separated, newest first. The newest encrypts; every one
decrypts, so a new key can be put in front while rows written under the old one are
still read (`MultiFernet`). `gateway keys rotate` re-encrypts every row under the
newest key; after it the old key may be removed from the setting.

Fernet tokens are randomised, so an encrypted column cannot be searched by value. Each
encrypted column has a keyed hash beside it (HMAC-SHA256 under a key derived from each
Fernet key with HKDF): a lookup compares against the digest under every key of the
ring, so it finds rows hashed before and after a rotation alike; `rotate` rewrites
the digests under the newest key too.

The engine carries its keyring (`attach`), so the column type and the hash hook find
it from the connection's dialect: tests and tools that open several databases with
different keys in one process each get their own.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence
from functools import cached_property, lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Engine

VARIABLE = "DATA_ENCRYPTION_KEY"
_HASH_INFO = b"gateway lookup hash v1"     # HKDF labels: each use of a key gets its own
_DEMO_INFO = b"gateway demo data key v1"
_ATTRIBUTE = "gateway_keyring"


class Unreadable(Exception):
    """A stored value none of the keys opens (a key was removed before the rotation)."""


class Keyring:
    """Fernet keys, newest first: encrypt, decrypt, rotate and hash values."""

    def __init__(self, keys: Sequence[bytes]):
        if not keys:
            raise ValueError("no key")
        self._keys = list(keys)
        self._fernet = MultiFernet([Fernet(k) for k in self._keys])

    @cached_property
    def _hash_keys(self) -> list[bytes]:
        return [HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HASH_INFO)
                .derive(base64.urlsafe_b64decode(k)) for k in self._keys]

    def encrypt(self, text: str) -> str:
        """`text` encrypted under the newest key."""
        return self._fernet.encrypt(text.encode()).decode()

    def decrypt(self, token: str) -> str:
        """The plain text of a stored token, under whichever key made it."""
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except (InvalidToken, ValueError):
            raise Unreadable(f"an encrypted value opens with no key of {VARIABLE} (was a "
                             "key removed before `gateway keys rotate` finished?)") from None

    def rotate(self, token: str) -> str:
        """`token` re-encrypted under the newest key."""
        try:
            return self._fernet.rotate(token.encode()).decode()
        except (InvalidToken, ValueError):
            raise Unreadable(f"an encrypted value opens with no key of {VARIABLE}") from None

    def is_current(self, token: str) -> bool:
        """Whether `token` was made under the newest key (nothing to rotate)."""
        try:
            Fernet(self._keys[0]).decrypt(token.encode())
        except (InvalidToken, ValueError):
            return False
        return True

    def digest(self, text: str) -> str:
        """The lookup hash of `text` under the newest key (what rows store)."""
        return self.digests(text)[0]

    def digests(self, text: str) -> list[str]:
        """The lookup hash of `text` under every key, newest first (what lookups try)."""
        return [hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
                for key in self._hash_keys]


def parse(setting: str) -> Keyring:
    """The keyring of a DATA_ENCRYPTION_KEY value; ValueError says what is wrong
    (never repeating a key)."""
    parts = [p.strip() for p in setting.split(",")]
    if not setting.strip() or not all(parts):
        raise ValueError("must be one or more Fernet keys, comma-separated, newest first")
    for position, part in enumerate(parts, start=1):
        try:
            if len(base64.urlsafe_b64decode(part.encode())) != 32:
                raise ValueError(part)
        except (binascii.Error, ValueError):
            raise ValueError(f"key {position} is not a Fernet key (32 bytes, URL-safe "
                             "base64: make one with `gateway keys generate`)") from None
    return Keyring([p.encode() for p in parts])


def derived(secret: str) -> Keyring:
    """The demo's keyring: one key derived from its (non-secret) SECRET_KEY."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=_DEMO_INFO).derive(secret.encode())
    return Keyring([base64.urlsafe_b64encode(key)])


def generate() -> str:
    """A new random key for DATA_ENCRYPTION_KEY."""
    return Fernet.generate_key().decode()


def attach(engine: Engine, keyring: Keyring) -> None:
    """Make `keyring` the one the encrypted columns use on `engine`."""
    setattr(engine.dialect, _ATTRIBUTE, keyring)


def of(dialect: object) -> Keyring:
    """The keyring attached to the engine of `dialect`."""
    found = getattr(dialect, _ATTRIBUTE, None)
    if found is None:
        raise RuntimeError("this database engine has no data encryption keyring "
                           "(gateway.store.keyring.attach)")
    return found


def setting_error(setting: str, demo: bool) -> str | None:
    """What is wrong with a DATA_ENCRYPTION_KEY value, as one line (None: nothing).
    Only the demo may leave it unset."""
    if not setting:
        return None if demo else (f"{VARIABLE} is required (only the demo, REDIS_URL="
                                  "memory://, may run without one): make one with "
                                  "`gateway keys generate`")
    try:
        parse(setting)
    except ValueError as error:
        return f"{VARIABLE} {error}"
    return None


@lru_cache(maxsize=8)
def for_setting(setting: str, fallback_secret: str) -> Keyring:
    """The keyring of a DATA_ENCRYPTION_KEY value; unset (the demo), one derived from
    the secret."""
    return parse(setting) if setting else derived(fallback_secret)
