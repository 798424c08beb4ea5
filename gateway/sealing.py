"""Secret texts in the outbox (an OTP SMS): stored masked, the real text sealed.

The provider must get the code, but the outbox, `gateway outbox`, backups and replicas
must not hold it: a code read there verifies a phone that is not the reader's. So
`body` keeps the text with the code replaced by MASK, and `sealed` the real text,
encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under a key derived from SECRET_KEY
with HKDF. The worker unseals it to send; the column is cleared once the message is
sent or final, so a dump afterwards holds nothing to decrypt.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MASK = "******"
# The HKDF label keeps this key apart from every other use of SECRET_KEY.
_INFO = b"gateway outbox sealed text v1"


class Unreadable(Exception):
    """A sealed text that cannot be opened (SECRET_KEY changed since it was sealed)."""


def hide(secret_key: str, text: str, secret: str) -> tuple[str, str]:
    """(masked text for `body`, sealed real text for `sealed`) of `text` containing
    `secret` (e.g. the six digits of an OTP)."""
    return text.replace(secret, MASK), _fernet(secret_key).encrypt(text.encode()).decode()


def unseal(secret_key: str, sealed: str) -> str:
    """The real text of a sealed one; raises Unreadable when the key does not open it."""
    try:
        return _fernet(secret_key).decrypt(sealed.encode()).decode()
    except (InvalidToken, ValueError):
        raise Unreadable("sealed text unreadable (was SECRET_KEY changed?)") from None


@lru_cache(maxsize=4)
def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=_INFO).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))
