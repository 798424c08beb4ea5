"""Text rules: folding input for matching, and keeping output inside GSM-7 segments."""

from __future__ import annotations

import re

from unidecode import unidecode

SMS_SEGMENT_CHARS = 160          # one GSM-7 segment
SMS_CONCAT_SEGMENT_CHARS = 153   # per segment once a message is split (UDH takes 7)
UCS2_SEGMENT_CHARS = 70
UCS2_CONCAT_SEGMENT_CHARS = 67
USSD_MAX_CHARS = 182

# GSM 03.38 basic set and the extension table (extension characters cost two septets).
_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = set("^{}\\[~]|€\f")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower-case ASCII with diacritics removed (đ→d), punctuation and runs of space
    collapsed to one space: 'Khai  Báo.' → 'khai bao'."""
    return " ".join(words(text))


def words(text: str) -> list[str]:
    """The folded words of a text, punctuation dropped: ' kb. ' → ['kb']."""
    return [w for w in _NON_WORD.split(unidecode(text).lower()) if w]


def to_gsm(text: str) -> str:
    """Text safe for one GSM-7 alphabet: anything outside it is transliterated."""
    if all(c in _GSM_BASIC or c in _GSM_EXTENDED for c in text):
        return text
    return "".join(c if c in _GSM_BASIC or c in _GSM_EXTENDED else unidecode(c) for c in text)


def septets(text: str) -> int | None:
    """GSM-7 length in septets, or None when the text needs UCS-2."""
    total = 0
    for c in text:
        if c in _GSM_BASIC:
            total += 1
        elif c in _GSM_EXTENDED:
            total += 2
        else:
            return None
    return total


def segments(text: str) -> int:
    """How many SMS segments a text takes (GSM-7 if it fits the alphabet, else UCS-2)."""
    length = septets(text)
    single, concat = SMS_SEGMENT_CHARS, SMS_CONCAT_SEGMENT_CHARS
    if length is None:
        length = len(text.encode("utf-16-le")) // 2
        single, concat = UCS2_SEGMENT_CHARS, UCS2_CONCAT_SEGMENT_CHARS
    if length <= single:
        return 1
    return -(-length // concat)
