"""The one symptom table: every channel (the declaration over SMS and USSD, the daily
report, its reminders, alerts and digests, the console's forms, case page and exports,
the API's descriptions) reads its symptom numbers and names from here.

Numbers 1-6 are asked in the declaration; the daily report adds two danger signs, 7 and
8. Each symptom has names of three lengths, because each channel has its own budget:

- `name`: the full name without diacritics (SMS and USSD menus, the declaration);
- `brief`: the one-word form of a one-segment prompt that lists all eight;
- `short`: lower case, in replies, alerts and digests that repeat what was reported;

and `console`, the name with diacritics the console shows. Each pair is (vi, en).
"""

from __future__ import annotations

from dataclasses import dataclass

Pair = tuple[str, str]


@dataclass(frozen=True)
class Symptom:
    """One symptom: its number, names in both languages, and where it is asked."""

    number: int
    name: Pair
    brief: Pair
    short: Pair
    console: Pair
    danger: bool = False     # a danger sign by default (DANGER_SYMPTOMS may change it)
    declared: bool = True    # asked in the declaration (else only in the daily report)


TABLE: tuple[Symptom, ...] = (
    Symptom(1, ("Sot", "Fever"), ("Sot", "Fever"), ("sot", "fever"), ("Sốt", "Fever")),
    Symptom(2, ("Ho", "Cough"), ("Ho", "Cough"), ("ho", "cough"), ("Ho", "Cough")),
    Symptom(3, ("Kho tho", "Short of breath"), ("Kho tho", "Breathless"),
            ("kho tho", "breathless"), ("Khó thở", "Shortness of breath"), danger=True),
    Symptom(4, ("Dau hong", "Sore throat"), ("Dau hong", "Sore throat"),
            ("dau hong", "sore throat"), ("Đau họng", "Sore throat")),
    Symptom(5, ("Met moi", "Fatigue"), ("Met", "Tired"), ("met", "tired"),
            ("Mệt mỏi", "Fatigue")),
    Symptom(6, ("Mat vi/khu giac", "Loss of taste/smell"), ("Mat vi", "No smell"),
            ("mat vi", "no smell"), ("Mất vị giác/khứu giác", "Loss of taste or smell")),
    Symptom(7, ("Dau nguc", "Chest pain"), ("Dau nguc", "Chest pain"),
            ("dau nguc", "chest pain"), ("Đau ngực", "Chest pain"), danger=True,
            declared=False),
    Symptom(8, ("Lu lan", "Confusion"), ("Lu lan", "Confusion"), ("lu lan", "confused"),
            ("Lú lẫn", "Confusion"), danger=True, declared=False),
)
BY_NUMBER = {symptom.number: symptom for symptom in TABLE}
DECLARED = tuple(s.number for s in TABLE if s.declared)   # the declaration's 1-6
REPORTED = tuple(s.number for s in TABLE)                  # the daily report's 1-8
DANGER = tuple(s.number for s in TABLE if s.danger)


def _index(language: str) -> int:
    return 1 if language == "en" else 0


def name(number: int, language: str) -> str:
    """The full name of a symptom without diacritics: 'Kho tho', 'Short of breath'."""
    return BY_NUMBER[number].name[_index(language)]


def short(number: int, language: str) -> str:
    """The short lower-case name of replies and alerts: 'kho tho', 'breathless'."""
    return BY_NUMBER[number].short[_index(language)]


def console(number: int, language: str) -> str:
    """The name the console shows, with diacritics: 'Khó thở', 'Shortness of breath'."""
    return BY_NUMBER[number].console[_index(language)]


def numbered(numbers: tuple[int, ...], language: str, form: str = "name",
             separator: str = " ") -> str:
    """A numbered list for a prompt: '1 Sot 2 Ho 3 Kho tho' (`form`: name or brief)."""
    index = _index(language)
    return separator.join(f"{n} {getattr(BY_NUMBER[n], form)[index]}" for n in numbers)
