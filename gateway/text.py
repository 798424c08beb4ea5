"""Text rules: folding input for matching, and keeping output inside GSM-7 segments."""

from __future__ import annotations

import re
import unicodedata

from unidecode import unidecode

SMS_SEGMENT_CHARS = 160          # one GSM-7 segment
SMS_CONCAT_SEGMENT_CHARS = 153   # per segment once a message is split (UDH takes 7)
UCS2_SEGMENT_CHARS = 70
UCS2_CONCAT_SEGMENT_CHARS = 67
USSD_MAX_CHARS = 182
DEFAULT_LANGUAGE = "vi"  # of replies to a phone whose language is not known or not chosen

# GSM 03.38 basic set and the extension table (extension characters cost two septets).
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = frozenset("^{}\\[~]|€\f")
_GSM = _GSM_BASIC | _GSM_EXTENDED
# What transliteration can leave behind that GSM-7 still lacks.
_GSM_FALLBACK = {"`": "'", "\t": " "}
_NON_WORD = re.compile(r"[^a-z0-9]+")
# ASCII characters of the basic set: almost every character of a reply. They need no
# transliteration and cost one septet each, which a regular expression checks at C speed.
_PLAIN_GSM_CHARS = re.escape("".join(sorted(c for c in _GSM_BASIC if c.isascii())))
_PLAIN_GSM = re.compile(f"[{_PLAIN_GSM_CHARS}]*")
_NOT_PLAIN_GSM = re.compile(f"[^{_PLAIN_GSM_CHARS}]")


def fold(text: str) -> str:
    """Lower-case ASCII with diacritics removed (đ→d), punctuation and runs of space
    collapsed to one space: 'Khai  Báo.' → 'khai bao'."""
    return " ".join(words(text))


def searchable(*parts: str | None, limit: int) -> str:
    """The parts folded (as `fold`) and joined, cut to `limit` characters: the text a
    search that ignores case and diacritics matches, stored beside a record
    ('Nguyễn Văn Đức', 'Hà Nội' → 'nguyen van duc ha noi')."""
    return fold(" ".join(p for p in parts if p))[:limit]


def words(text: str) -> list[str]:
    """The folded words of a text, punctuation dropped: ' kb. ' → ['kb']."""
    return [w for w in _NON_WORD.split(unidecode(text).lower()) if w]


def to_gsm(text: str) -> str:
    """Text in the GSM-7 alphabet and without diacritics: 'Nguyễn Văn Hòa' → 'Nguyen
    Van Hoa'.

    Accented Latin letters are transliterated even where GSM-7 has them (è, ò, à…):
    outgoing text is Vietnamese without diacritics, and a half-accented name reads
    worse than a plain one. Anything transliteration cannot place becomes '?'.
    """
    return _NOT_PLAIN_GSM.sub(_gsm_replacement, text)


def _gsm_replacement(found: re.Match[str]) -> str:
    return _gsm_char(found.group())


def _gsm_char(c: str) -> str:
    if c.isascii() and c in _GSM:
        return c
    if c in _GSM and not _is_accented_latin(c):
        return c  # £, ¥, Δ… are part of the alphabet and carry meaning
    ascii_text = unidecode(c)
    return "".join(a if a in _GSM else _GSM_FALLBACK.get(a, "?") for a in ascii_text)


def _is_accented_latin(c: str) -> bool:
    return c.isalpha() and unicodedata.name(c, "").startswith("LATIN")


def septets(text: str) -> int | None:
    """GSM-7 length in septets, or None when the text needs UCS-2."""
    costs = _gsm_costs(text)
    return None if costs is None else sum(costs)


def segments(text: str) -> int:
    """How many SMS segments a text takes (GSM-7 if it fits the alphabet, else UCS-2).

    Once split, a segment never ends between the two septets of an extension character
    (or the two halves of a UTF-16 surrogate pair), so segments are packed one
    character at a time rather than by dividing the length.
    """
    if _PLAIN_GSM.fullmatch(text):
        return 1 if len(text) <= SMS_SEGMENT_CHARS else -(-len(text) // SMS_CONCAT_SEGMENT_CHARS)
    costs = _gsm_costs(text)
    single, concat = SMS_SEGMENT_CHARS, SMS_CONCAT_SEGMENT_CHARS
    if costs is None:
        costs = [len(c.encode("utf-16-le")) // 2 for c in text]
        single, concat = UCS2_SEGMENT_CHARS, UCS2_CONCAT_SEGMENT_CHARS
    if sum(costs) <= single:
        return 1
    count, used = 1, 0
    for cost in costs:
        if used + cost > concat:
            count, used = count + 1, 0
        used += cost
    return count


def _gsm_costs(text: str) -> list[int] | None:
    costs = []
    for c in text:
        if c in _GSM_BASIC:
            costs.append(1)
        elif c in _GSM_EXTENDED:
            costs.append(2)
        else:
            return None
    return costs
