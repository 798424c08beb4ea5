"""The console's words: gettext catalogs, one per language, read through Flask-Babel in
a request and directly elsewhere (an export job, the command line).

The texts live in `hotline/translations/<language>/LC_MESSAGES/messages.po` (compiled to
`messages.mo` beside them; a test proves the two agree). Message ids are symbolic keys
(`roster.title`), not English sentences, because:

- one key serves several variants: a venue staff member gets a key's `.staff` wording
  (a visitor, not a caller) where the catalog has one;
- the health authority reviews and changes wording in the `.po` files of both
  languages alike (English is a translation like Vietnamese, not the source), and a
  changed sentence does not orphan its translation;
- call sites (`t("roster.title")`) stay stable while the wording moves.

A counted text is a plural entry (`msgid key` / `msgid_plural key`, one form in
Vietnamese, two in English) read with `tn(key, n, ...)`: "1 day", "2 days".
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from babel.support import Translations

from gateway.flows import symptoms

DIRECTORY = Path(__file__).parent / "translations"
DOMAIN = "messages"
LANGUAGES = ("vi", "en")
STAFF_VARIANT = ".staff"  # the suffix of a key's venue staff wording


@cache
def translations(language: str) -> Translations:
    """The compiled catalog of a console language (read once per process)."""
    return Translations.load(str(DIRECTORY), [language], DOMAIN)


def has(key: str) -> bool:
    """Whether the catalogs define `key` (gettext answers an unknown key with itself)."""
    return translations(LANGUAGES[0]).gettext(key) != key


def variant(key: str, role: str | None) -> str:
    """The key to read for a user of `role`: venue staff get the `.staff` wording of a
    key where there is one."""
    if role == "venue_staff" and has(f"{key}{STAFF_VARIANT}"):
        return f"{key}{STAFF_VARIANT}"
    return key


def fill(text: str, variables: dict[str, Any]) -> str:
    """A translated text with its `{placeholders}` filled in (`{{` is a brace)."""
    return text.format(**variables)


def say(language: str, key: str, **variables: Any) -> str:
    """The text `key` in `language`, variables filled in (outside a request)."""
    return fill(translations(language).gettext(key), variables)


def say_n(language: str, key: str, n: int, **variables: Any) -> str:
    """The counted text `key` for `n` in `language` ("1 day" / "2 days")."""
    return fill(translations(language).ngettext(key, key, n), variables)


def health(language: str, numbers: Sequence[int], temperature: float | None) -> str:
    """A day's health report as the console says it: the symptoms' names from the one
    symptom table, then the temperature ('Sốt, Khó thở, 39.5 °C'; 'Không có triệu
    chứng' for none)."""
    parts = [symptoms.console(n, language) for n in numbers]
    if temperature is not None:
        parts.append(f"{temperature:.1f} °C")
    return ", ".join(parts) or say(language, "report.none")
