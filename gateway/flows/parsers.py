"""Answer parsers. Each turns a user's raw reply into a value or an `Invalid` with a
reason (a message key), never raising on bad input.

Every parser says what it accepts (`accepts`, for printing a flow as a table) and
whether it takes free text (`free_text`: keywords are answers there, so a person
named Huy is not mistaken for HUY/cancel).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from gateway.text import fold, words

FREE_TEXT_MAX = 60
YES_WORDS = frozenset({"1", "y", "yes", "c", "co", "dong y", "ok"})
NO_WORDS = frozenset({"2", "n", "no", "k", "ko", "khong"})
SKIP = "0"


@dataclass(frozen=True)
class Invalid:
    """Why an answer was refused: a message key and its variables."""

    reason: str
    vars: Mapping[str, Any] = field(default_factory=dict)


class Parser:
    """Base of all parsers: call it with the raw text."""

    free_text = False
    accepts = ""

    def __call__(self, text: str) -> Any:
        raise NotImplementedError  # each parser defines its own rule


@dataclass(frozen=True)
class Choice(Parser):
    """A numbered menu: '1' → options['1']; `aliases` maps folded words to values."""

    options: Mapping[str, Any]
    aliases: Mapping[str, Any] = field(default_factory=dict)

    @property
    def accepts(self) -> str:
        return "/".join(self.options)

    def __call__(self, text: str) -> Any:
        key = fold(text)
        if key in self.options:
            return self.options[key]
        if key in self.aliases:
            return self.aliases[key]
        return Invalid("invalid.choice", {"choices": ", ".join(self.options)})


@dataclass(frozen=True)
class YesNo(Parser):
    """1/yes/co → True, 2/no/khong → False."""

    accepts = "1 yes / 2 no"

    def __call__(self, text: str) -> Any:
        key = fold(text)
        if key in YES_WORDS:
            return True
        if key in NO_WORDS:
            return False
        return Invalid("invalid.yes_no")


@dataclass(frozen=True)
class Number(Parser):
    """A whole number within [low, high]."""

    low: int
    high: int

    @property
    def accepts(self) -> str:
        return f"{self.low}-{self.high}"

    def __call__(self, text: str) -> Any:
        key = fold(text)
        if not key.isdigit():
            return Invalid("invalid.number", {"low": self.low, "high": self.high})
        value = int(key)
        if not self.low <= value <= self.high:
            return Invalid("invalid.number", {"low": self.low, "high": self.high})
        return value


@dataclass(frozen=True)
class Year(Parser):
    """A four-digit year of birth from `earliest` up to the current year."""

    earliest: int = 1900
    accepts = "year of birth (YYYY)"

    def __call__(self, text: str) -> Any:
        key = fold(text)
        latest = date.today().year
        if not (len(key) == 4 and key.isdigit() and self.earliest <= int(key) <= latest):
            return Invalid("invalid.year", {"earliest": self.earliest, "latest": latest})
        return int(key)


@dataclass(frozen=True)
class MultiSelect(Parser):
    """Any of the options 1..`count` ('1 3', '13', '1,3' → (1, 3)), or '0' for none."""

    count: int

    @property
    def accepts(self) -> str:
        return f"0 or any of 1-{self.count}"

    def __call__(self, text: str) -> Any:
        tokens = words(text)
        if tokens == [SKIP]:
            return ()
        digits = "".join(tokens)
        # Single-digit options only: '13' means 1 and 3, never thirteen.
        if not tokens or not digits.isdigit() or self.count > 9:
            return Invalid("invalid.multi", {"count": self.count})
        chosen = sorted({int(d) for d in digits})
        if chosen[0] < 1 or chosen[-1] > self.count:
            return Invalid("invalid.multi", {"count": self.count})
        return tuple(chosen)


@dataclass(frozen=True)
class FreeText(Parser):
    """Any text of `min_length`..`max_length` characters, spaces collapsed."""

    max_length: int = FREE_TEXT_MAX
    min_length: int = 2
    free_text = True

    @property
    def accepts(self) -> str:
        return f"text, {self.min_length}-{self.max_length} characters"

    def __call__(self, text: str) -> Any:
        value = " ".join(text.split())
        if len(value) < self.min_length:
            return Invalid("invalid.too_short", {"min": self.min_length})
        if len(value) > self.max_length:
            return Invalid("invalid.too_long", {"max": self.max_length})
        return value


_PASSPORT = re.compile(r"^[a-z]{1,2}\d{6,8}$")


@dataclass(frozen=True)
class IdNumber(Parser):
    """CCCD (12 digits), CMND (9 digits) or a passport (letters then digits); '0' skips.

    Returns {'type': 'cccd'|'cmnd'|'passport', 'number': ...} or None when skipped.
    """

    accepts = "CCCD 12 digits / CMND 9 digits / passport / 0 to skip"

    def __call__(self, text: str) -> Any:
        key = "".join(words(text))
        if key == SKIP:
            return None
        if key.isdigit() and len(key) == 12:
            return {"type": "cccd", "number": key}
        if key.isdigit() and len(key) == 9:
            return {"type": "cmnd", "number": key}
        if _PASSPORT.match(key):
            return {"type": "passport", "number": key.upper()}
        return Invalid("invalid.id_number")
