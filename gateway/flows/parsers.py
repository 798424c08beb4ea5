"""Answer parsers. Each turns a user's raw reply into a value or an `Invalid` with a
reason (a message key), never raising on bad input.

Every parser says what it accepts (`accepts`, for printing a flow as a table), which
values it can return when they are few (`values`, so a flow's routes can be checked
against them), and whether it takes free text (`free_text`: keywords are answers
there, so a person named Huy is not mistaken for HUY/cancel).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from gateway.phones import InvalidPhone, normalise
from gateway.text import fold, words

FREE_TEXT_MAX = 60
YES_WORDS = frozenset({"1", "y", "yes", "c", "co", "dong y", "ok"})
NO_WORDS = frozenset({"2", "n", "no", "k", "ko", "khong"})
SKIP = "0"
ALIASES_SHOWN = 6  # in a review table; a ward list may carry hundreds
MULTI_SELECT_MAX = 9  # options are single digits: '13' means 1 and 3, never thirteen

# A whole number as typed: digits, maybe a full stop after them ('1980.'); no sign.
_WHOLE_NUMBER = re.compile(r"^\s*(\d+)\s*[.!]?\s*$")
# Digits and the separators a keypad offers. Not '-': '1-3' may mean 1 to 3.
_SELECTION = re.compile(r"^[\d\s,;./+]*$")
_PASSPORT = re.compile(r"^[a-z]{1,2}\d{6,8}$")
# Labels people put before the number itself: 'CCCD 001234567890'.
_ID_LABELS = ("cccd", "cmnd", "cmt")


@dataclass(frozen=True)
class Invalid:
    """Why an answer was refused: a message key and its variables."""

    reason: str
    vars: Mapping[str, Any] = field(default_factory=dict)


class Parser(ABC):
    """Base of all parsers: call it with the raw text. The engine calls `read`, which
    also passes the answers so far, for parsers whose rule depends on them (the
    communes of the province chosen before)."""

    free_text = False
    accepts = ""
    values: tuple[Any, ...] | None = None  # None: too many to list

    @abstractmethod
    def __call__(self, text: str) -> Any:
        """The value of `text`, or an `Invalid`."""

    def read(self, text: str, answers: Mapping[str, Any]) -> Any:
        """The value of `text` given the earlier `answers` (most parsers ignore them)."""
        return self(text)


@dataclass(frozen=True)
class Choice(Parser):
    """A numbered menu: '1' → options['1']; `aliases` maps words to values. Keys of
    both are matched folded (case, diacritics and punctuation ignored)."""

    options: Mapping[str, Any]
    aliases: Mapping[str, Any] = field(default_factory=dict)
    _lookup: Mapping[str, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Folded once here, not on every reply: a menu may carry hundreds of aliases.
        lookup = {fold(name): value for name, value in self.aliases.items()}
        lookup.update((fold(key), value) for key, value in self.options.items())
        object.__setattr__(self, "_lookup", lookup)

    @property
    def accepts(self) -> str:
        """The option keys, and the first aliases if any: '1/2 or vi, en'."""
        keys = "/".join(self.options)
        if not self.aliases:
            return keys
        shown = list(self.aliases)[:ALIASES_SHOWN]
        more = len(self.aliases) - len(shown)
        return f"{keys} or {', '.join(shown)}" + (f" and {more} more" if more else "")

    @property
    def values(self) -> tuple[Any, ...]:
        """Every value an answer can select."""
        return tuple(dict.fromkeys([*self.options.values(), *self.aliases.values()]))

    def __call__(self, text: str) -> Any:
        key = fold(text)
        if key in self._lookup:
            return self._lookup[key]
        return Invalid("invalid.choice", {"choices": _listing(list(self.options))})


def _listing(keys: list[str]) -> str:
    """'1-34' for a run of consecutive numbers (a province list must fit one SMS),
    else the keys joined: '1, 2', 'a, b, c'."""
    if len(keys) > 2 and all(k.isdigit() for k in keys):
        numbers = [int(k) for k in keys]
        if numbers == list(range(numbers[0], numbers[0] + len(numbers))):
            return f"{numbers[0]}-{numbers[-1]}"
    return ", ".join(keys)


@dataclass(frozen=True)
class YesNo(Parser):
    """1/yes/co/có → True, 2/no/khong/không → False."""

    accepts = "1 yes / 2 no"
    values = (True, False)

    def __call__(self, text: str) -> Any:
        key = fold(text)
        if key in YES_WORDS:
            return True
        if key in NO_WORDS:
            return False
        return Invalid("invalid.yes_no")


def _digits(text: str) -> str | None:
    """The digits of a reply that is one whole number, else None."""
    match = _WHOLE_NUMBER.match(text)
    return match.group(1) if match else None


@dataclass(frozen=True)
class Number(Parser):
    """A whole number within [low, high]; '-5', '2.5' and '5 kg' are refused."""

    low: int
    high: int

    @property
    def accepts(self) -> str:
        """The range, e.g. '1-10'."""
        return f"{self.low}-{self.high}"

    def __call__(self, text: str) -> Any:
        digits = _digits(text)
        if digits is None or not self.low <= int(digits) <= self.high:
            return Invalid("invalid.number", {"low": self.low, "high": self.high})
        return int(digits)


@dataclass(frozen=True)
class Year(Parser):
    """A four-digit year of birth from `earliest` up to the current year."""

    earliest: int = 1900
    accepts = "year of birth (YYYY)"

    def __call__(self, text: str) -> Any:
        latest = date.today().year
        digits = _digits(text)
        if digits is None or len(digits) != 4 or not self.earliest <= int(digits) <= latest:
            return Invalid("invalid.year", {"earliest": self.earliest, "latest": latest})
        return int(digits)


@dataclass(frozen=True)
class MultiSelect(Parser):
    """Any of the options 1..`count`, or '0' for none: '1 3', '13', '1,3', '1;3' and
    '1.3' all give (1, 3) (people separate with whatever their keypad offers, and '.'
    is the easiest). '1-3' is refused: it may mean 1 to 3. The result is sorted,
    without repeats."""

    count: int

    def __post_init__(self) -> None:
        if not 1 <= self.count <= MULTI_SELECT_MAX:
            raise ValueError(f"MultiSelect takes 1 to {MULTI_SELECT_MAX} options, "
                             f"not {self.count}")

    @property
    def accepts(self) -> str:
        """'0 or any of 1-N'."""
        return f"0 or any of 1-{self.count}"

    def __call__(self, text: str) -> Any:
        tokens = words(text)
        if tokens == [SKIP]:
            return ()
        digits = "".join(tokens)
        if not (digits.isdigit() and _SELECTION.match(text)):
            return Invalid("invalid.multi", {"count": self.count})
        chosen = sorted({int(d) for d in digits})
        if chosen[0] < 1 or chosen[-1] > self.count:
            return Invalid("invalid.multi", {"count": self.count})
        return tuple(chosen)


@dataclass(frozen=True)
class FreeText(Parser):
    """Any text of `min_length`..`max_length` characters, runs of space collapsed."""

    max_length: int = FREE_TEXT_MAX
    min_length: int = 2
    free_text = True

    @property
    def accepts(self) -> str:
        """'text, 2-60 characters'."""
        return f"text, {self.min_length}-{self.max_length} characters"

    def __call__(self, text: str) -> Any:
        value = " ".join(text.split())
        if len(value) < self.min_length:
            return Invalid("invalid.too_short", {"min": self.min_length})
        if len(value) > self.max_length:
            return Invalid("invalid.too_long", {"max": self.max_length})
        return value


@dataclass(frozen=True)
class IdNumber(Parser):
    """CCCD (12 digits), CMND (9 digits) or a passport (1-2 letters, 6-8 digits); '0'
    skips. Spaces, dots and a leading 'CCCD'/'CMND' label are ignored.

    Returns {'type': 'cccd'|'cmnd'|'passport', 'number': ...} or None when skipped.
    """

    accepts = "CCCD 12 digits / CMND 9 digits / passport / 0 to skip"

    def __call__(self, text: str) -> Any:
        tokens = words(text)
        if len(tokens) > 1 and tokens[0] in _ID_LABELS:
            tokens = tokens[1:]
        key = "".join(tokens)
        if key == SKIP:
            return None
        if key.isdigit() and len(key) == 12:
            return {"type": "cccd", "number": key}
        if key.isdigit() and len(key) == 9:
            return {"type": "cmnd", "number": key}
        if _PASSPORT.match(key):
            return {"type": "passport", "number": key.upper()}
        return Invalid("invalid.id_number")


@dataclass(frozen=True)
class OtpCode(Parser):
    """A 6-digit one-time code ('123 456' and '123.456' too)."""

    accepts = "6 digits"

    def __call__(self, text: str) -> Any:
        key = "".join(words(text))
        return key if len(key) == 6 and key.isdigit() else Invalid("invalid.otp")


_INSURANCE_OLD = re.compile(r"^[a-z]{2}\d{13}$")


@dataclass(frozen=True)
class InsuranceNumber(Parser):
    """A health-insurance (BHYT) number: the 10-digit social-insurance number, or the
    older 15-character card number (2 letters, 13 digits); '0' skips (None)."""

    accepts = "10 digits / 2 letters + 13 digits / 0 to skip"

    def __call__(self, text: str) -> Any:
        key = "".join(words(text))
        if key == SKIP:
            return None
        if (key.isdigit() and len(key) == 10) or _INSURANCE_OLD.match(key):
            return key.upper()
        return Invalid("invalid.insurance")


@dataclass(frozen=True)
class PhoneOrSkip(Parser):
    """A mobile number in any common spelling (E.164 back), or '0' for none (None)."""

    accepts = "a mobile number / 0 for none"

    def __call__(self, text: str) -> Any:
        if fold(text) == SKIP:
            return None
        try:
            return normalise(text)
        except InvalidPhone:
            return Invalid("invalid.phone")
