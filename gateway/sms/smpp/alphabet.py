"""The GSM 03.38 default alphabet as SMPP carries it: one septet per octet (unpacked).

Which characters fit GSM-7, and what each costs, is `gateway.text`'s rule (it counts
segments for every channel); this module only adds the order of the table, which is what
turns a character into its code. smpplib ships such a table too (`smpplib.gsm`), but with
'`' where GSM 03.38 has '§' (0x5F), so a text with '§' would go out as UCS-2 and one with
'`' would show '§' on the phone.
"""

from __future__ import annotations

# Codes 0x00-0x7F of the basic table; 0x1B is the escape to the extension table.
BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
ESCAPE = 0x1B
# The extension table: each of these is sent as ESCAPE followed by its code.
EXTENSION = {"\f": 0x0A, "^": 0x14, "{": 0x28, "}": 0x29, "\\": 0x2F,
             "[": 0x3C, "~": 0x3D, "]": 0x3E, "|": 0x40, "€": 0x65}

_CODE = {char: code for code, char in enumerate(BASIC) if code != ESCAPE}
_EXTENDED_CHAR = {code: char for char, code in EXTENSION.items()}
# An escape followed by a code the extension table lacks reads as the basic character
# (GSM 03.38); a lone escape at the end reads as nothing; an octet that is no septet: U+FFFD.
_MISSING = "\ufffd"
# Two escapes in a row lead to a further table nobody defines: a space, as the spec says.
_ESCAPED_DEFAULT = {ESCAPE: " "}


def encode(text: str) -> bytes:
    """The unpacked GSM-7 octets of a text; ValueError names the first character that
    does not fit (the caller chose GSM-7 with `gateway.text.septets`, so this is a bug)."""
    out = bytearray()
    for char in text:
        code = _CODE.get(char)
        if code is not None:
            out.append(code)
        elif char in EXTENSION:
            out += bytes((ESCAPE, EXTENSION[char]))
        else:
            raise ValueError(f"not in the GSM 03.38 alphabet: {char!r}")
    return bytes(out)


def decode(octets: bytes) -> str:
    """Text from unpacked GSM-7 octets. An octet above 0x7F (not a septet) reads as
    U+FFFD rather than failing: an MO with a bad byte still reaches the dialogue."""
    chars = []
    escaped = False
    for octet in octets:
        if octet > 0x7F:
            chars.append(_MISSING)
            escaped = False
        elif escaped:
            chars.append(_EXTENDED_CHAR.get(octet, _ESCAPED_DEFAULT.get(octet, BASIC[octet])))
            escaped = False
        elif octet == ESCAPE:
            escaped = True
        else:
            chars.append(BASIC[octet])
    return "".join(chars)
