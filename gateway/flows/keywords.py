"""SMS keywords: the first word (or two) of a message names a command."""

from __future__ import annotations

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
    "help": ("hd", "help", "tro giup"),
    "en": ("en",),
    "vi": ("vi",),
    "stop": ("stop",),
    "start": ("start",),
}
_BY_PHRASE = {tuple(p.split()): cmd for cmd, phrases in KEYWORDS.items() for p in phrases}
_LONGEST = max(len(p) for p in _BY_PHRASE)


@dataclass(frozen=True)
class Command:
    """A recognised keyword and the words that followed it (e.g. a venue code)."""

    name: str
    args: tuple[str, ...]


def match(text: str) -> Command | None:
    """The command a message starts with, or None if it is not a keyword."""
    tokens = words(text)
    for size in range(min(_LONGEST, len(tokens)), 0, -1):
        name = _BY_PHRASE.get(tuple(tokens[:size]))
        if name:
            return Command(name, tuple(tokens[size:]))
    return None
