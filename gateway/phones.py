"""Phone numbers: parse any common spelling into E.164, and mask them for logs."""

from __future__ import annotations

import functools
import re

import phonenumbers
from phonenumbers import PhoneNumberType

DEFAULT_REGION = "VN"
_MOBILE_TYPES = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)
# What people put between digits: spaces, dots, dashes, slashes, brackets.
_SPELLING = re.compile(r"^\+?[\d\s.\-/()+]+$")
# A phone-like run: 9 to 15 digits, single spaces, dots or dashes between them, not part
# of a longer word or number, and not running into a time of day ('2026-01-15 10:30').
_PHONE_IN_TEXT = re.compile(r"(?<![\w+])\+?\d(?:[ .\-]?\d){8,14}(?!\w|:\d)")


class InvalidPhone(ValueError):
    """The text is not a valid mobile number."""


@functools.lru_cache(maxsize=65536)  # one phone's messages arrive again and again
def normalise(raw: str | None, region: str = DEFAULT_REGION) -> str:
    """E.164 form of a mobile number: '0912.345.678' → '+84912345678'.

    '84912345678' without a plus is read as international when it starts with the
    region's country code, as Vietnamese users often write it. Letters are refused
    rather than dropped or read as a keypad spelling.
    """
    text = (raw or "").strip()
    if not text:
        raise InvalidPhone("empty phone number")
    if not _SPELLING.match(text):
        raise InvalidPhone(f"not a phone number: {mask(text)}")
    digits = re.sub(r"[^\d+]", "", text)
    country = str(phonenumbers.country_code_for_region(region))
    if not digits.startswith("+") and digits.startswith(country) and len(digits) > 10:
        digits = "+" + digits
    try:
        number = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException:
        raise InvalidPhone(f"not a phone number: {mask(text)}") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(f"not a valid phone number: {mask(text)}")
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        raise InvalidPhone(f"not a mobile number: {mask(text)}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask(phone: str | None) -> str:
    """A number with its middle hidden for logs: '+84912345678' → '+849*****678'
    ('' for none: a quarantined resident without a phone)."""
    if not phone:
        return ""
    if len(phone) <= 6:
        return "*" * len(phone)
    return phone[:4] + "*" * (len(phone) - 7) + phone[-3:]


def mask_in_text(text: str) -> str:
    """Mask every phone-number-like run of digits inside free text (log safety net).

    A real mobile number is masked in its E.164 form, so one phone looks the same in
    every log line however it was written; other long numbers (ID cards) are masked
    as they stand.
    """
    return _PHONE_IN_TEXT.sub(_mask_match, text)


def _mask_match(match: re.Match[str]) -> str:
    try:
        return mask(normalise(match.group(0)))
    except InvalidPhone:
        return mask(match.group(0))
