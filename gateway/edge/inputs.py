"""What any request may carry, whichever door it comes through (webhooks, the records
API, the console): the characters text may hold and the range integers must fit.

The database is the reason for both rules. PostgreSQL refuses a NUL in text and an
integer beyond its column type, and the driver cannot encode a lone surrogate (which
JSON's `\\ud800` escape produces); each would surface as a server error deep inside a
turn. Other control characters are stored but have no business in a name, an SMS
reply or a log line, so they are refused at the door too. Tab, newline and carriage
return stay allowed: SMS bodies and console text areas carry them.
"""

from __future__ import annotations

import re

from flask import Flask
from werkzeug.routing import IntegerConverter, UnicodeConverter, ValidationError

# The widest integer column the records have: ids are PostgreSQL `integer`.
INT_MAX = 2**31 - 1

_REFUSED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def refused_character(text: str) -> str | None:
    """Why `text` cannot be taken ('a NUL character', 'control character U+0007',
    'an unpaired surrogate'), or None when every character is acceptable."""
    found = _REFUSED.search(text)
    if found is None:
        return None
    char = found.group(0)
    if char == "\x00":
        return "a NUL character"
    if "\ud800" <= char <= "\udfff":
        return "an unpaired surrogate"
    return f"control character U+{ord(char):04X}"


def shown(name: str) -> str:
    """A field name fit to quote in a reason: short, and with control characters and
    anything outside ASCII escaped ('\\x00')."""
    return name[:40].encode("unicode_escape").decode("ascii")


def whole_number(text: str, maximum: int = INT_MAX) -> int | None:
    """`text` as a non-negative integer of ASCII digits no larger than `maximum`, or
    None (str.isdigit would also take '²' and '٣', which int() then refuses)."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(maximum)):
        return None
    value = int(text)
    return value if value <= maximum else None


# What a path id beyond INT_MAX becomes: an id no row has, so the view answers 404.
NO_ROW = -1


class BoundedIntegerConverter(IntegerConverter):
    """Werkzeug's `<int:…>` converter for what an id column holds: a larger number in
    a path reaches the view as `NO_ROW`, which it does not find (404) rather than fail
    on in the database. Not refused as no route: a route kept per method would then
    answer 405 for another method's rule."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", INT_MAX)  # documented as the maximum in the API
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        """The id, or NO_ROW when it is beyond the column."""
        try:
            return super().to_python(value)
        except ValidationError:
            return NO_ROW


class PrintableConverter(UnicodeConverter):
    """Werkzeug's default `<name>` converter without control characters: a code or
    name in a path with a NUL in it is no route (404) rather than a database error."""

    def __init__(self, map, *args, **kwargs):
        super().__init__(map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", r"[^/\x00-\x1f\x7f-\x9f]")


def install_converters(app: Flask) -> None:
    """Make `app`'s path converters refuse what the database cannot take; call before
    any route is added (idempotent)."""
    app.url_map.converters.update(default=PrintableConverter, string=PrintableConverter,
                                  int=BoundedIntegerConverter)
