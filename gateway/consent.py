"""Consent settings: `CONSENT_MODE` (ask, or legal_basis), `CONSENT_LEGAL_BASIS` (which
article of Law 91/2025/QH15 a legal_basis deployment processes under) and
`CONSENT_NOTICE_VERSION` (a label for the notice; derived from its text when unset).

Read by `gateway.config` (`read`) and checked there (`problem`), so a bad value is one
ConfigError line naming the variable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

MODES = ("ask", "legal_basis")
# Law 91/2025/QH15 Art. 19(1): processing without the data subject's consent. The
# article is confirmed; the letters of its points are the issue's (README, "The law,
# as checked"): check them against the official text before relying on a basis.
LEGAL_BASES = {
    "art19_1a": "Law 91/2025/QH15 Art. 19(1)(a): urgent protection of life and health",
    "art19_1b": "Law 91/2025/QH15 Art. 19(1)(b): a state of emergency",
    "art19_1c": "Law 91/2025/QH15 Art. 19(1)(c): the operation of state agencies under law",
    "art19_1e": "Law 91/2025/QH15 Art. 19(1)(e): another law (e.g. on infectious diseases)",
}
_VERSION = re.compile(r"^[A-Za-z0-9._-]{1,40}$")


def read(env: Mapping[str, str]) -> dict[str, Any]:
    """The consent fields of `Config`, as given in the environment."""
    return {"consent_mode": (env.get("CONSENT_MODE") or "ask").lower(),
            "consent_legal_basis": (env.get("CONSENT_LEGAL_BASIS") or "").lower(),
            "consent_notice_version": env.get("CONSENT_NOTICE_VERSION", "")}


def problem(mode: str, basis: str, version: str) -> str | None:
    """What is wrong with the consent settings, as one line naming the variable."""
    if mode not in MODES:
        return f"CONSENT_MODE must be ask or legal_basis, not {mode!r}"
    if mode == "legal_basis" and basis not in LEGAL_BASES:
        return ("CONSENT_LEGAL_BASIS is required with CONSENT_MODE=legal_basis: one of "
                f"{', '.join(LEGAL_BASES)} (Law 91/2025/QH15 Art. 19(1)), not {basis!r}")
    if mode == "ask" and basis:
        return "CONSENT_LEGAL_BASIS is only for CONSENT_MODE=legal_basis; unset it"
    if version and not _VERSION.match(version):
        return (f"CONSENT_NOTICE_VERSION must be 1-40 letters, digits, '.', '_' or '-', "
                f"not {version!r}")
    return None
