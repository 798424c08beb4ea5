"""SMS keywords: the first word (or two) of a message names a command."""

from __future__ import annotations

import re
from dataclasses import dataclass

from gateway.text import words

# command -> every spelling, folded (case, diacritics and punctuation ignored)
KEYWORDS: dict[str, tuple[str, ...]] = {
    "declare": ("kb", "khai bao", "declare"),
    "family": ("kh", "khai ho", "family"),
    "checkin": ("ci", "checkin", "check in"),
    "checkout": ("co", "checkout", "check out"),
    "report": ("sk", "bc", "report"),
    "status": ("tt", "status"),
    "cancel": ("huy", "cancel"),
    "withdraw": ("huy dong y", "withdraw"),  # consent; the longest phrase wins over HUY
    "help": ("hd", "help", "tro giup"),
    "en": ("en",),
    "vi": ("vi",),
    "stop": ("stop",),
    "start": ("start",),
    # issue 15 data-subject requests (gateway/flows/privacy.py)
    "mydata": ("dulieu", "du lieu", "mydata", "my data"),
    "erase": ("xoa", "xoa du lieu", "delete"),
    # issue 17 area quarantine (gateway/flows/isolation.py)
    "join_area": ("kv", "khu vuc"),
}
# Every phrase also matches written as one word ('khaibao', 'trogiup').
_BY_PHRASE = {
    spelling: command
    for command, phrases in KEYWORDS.items()
    for phrase in phrases
    for spelling in (tuple(phrase.split()), (phrase.replace(" ", ""),))
}
_LONGEST = max(len(p) for p in _BY_PHRASE)
# A keyword typed against its code, as feature-phone users do: 'CI1234567'.
_GLUED = re.compile(r"^([a-z]+)(\d+)$")
_RAW_WORD = re.compile(r"[^\W_]+")
_LEAD = " \t\r\n:;,-"


@dataclass(frozen=True)
class Command:
    """A recognised keyword, the folded words that followed it (e.g. a venue code),
    and the text that followed it as typed (`rest`: '1 2 38.5' keeps its decimal)."""

    name: str
    args: tuple[str, ...]
    rest: str = ""


def match(text: str) -> Command | None:
    """The command a message starts with, or None if it is not a keyword:
    'check-in 1234567' and 'CI1234567' → Command('checkin', ('1234567',))."""
    tokens = words(text)
    for size in range(min(_LONGEST, len(tokens)), 0, -1):
        name = _BY_PHRASE.get(tuple(tokens[:size]))
        if name:
            args = tuple(tokens[size:])
            return Command(name, args, _after_words(text, size) if args else "")
    glued = _GLUED.match(tokens[0]) if tokens else None
    if glued and (glued.group(1),) in _BY_PHRASE:
        first = _RAW_WORD.search(text)
        rest = text[first.start() + len(glued.group(1)):].strip() if first else ""
        return Command(_BY_PHRASE[(glued.group(1),)], (glued.group(2), *tokens[1:]), rest)
    return None


def _after_words(text: str, count: int) -> str:
    """The raw text after the first `count` words ('SK: 1 2 38.5', 1 → '1 2 38.5')."""
    ends = [m.end() for m in _RAW_WORD.finditer(text)]
    if len(ends) < count:
        return ""
    return text[ends[count - 1]:].lstrip(_LEAD).rstrip()
