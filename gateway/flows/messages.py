"""Message templates: Vietnamese without diacritics and English, each with a length
budget a test checks (one GSM-7 segment for SMS prompts, a USSD screen for menus).

A flow module adds its own templates with `define`, together with worst-case sample
values for any new variables, so the budget test can render every template at its
longest.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gateway.text import SMS_SEGMENT_CHARS, USSD_MAX_CHARS, to_gsm

LANGUAGES = ("vi", "en")
USSD_SCREEN = USSD_MAX_CHARS - len("CON ")


@dataclass(frozen=True)
class Template:
    """One message in both languages, with the most characters it may render to.

    A message that counts something names the counting variable in `count` and gives
    the English text for a count of 1 in `one` ("1 day left", not "1 days left");
    Vietnamese nouns do not change with a number, so `vi` serves every count."""

    vi: str
    en: str
    budget: int = SMS_SEGMENT_CHARS
    one: str | None = None  # English when the variable `count` is 1
    count: str = ""

    def __post_init__(self) -> None:
        if (self.one is None) != (not self.count):
            raise ValueError(f"a counted template needs both `one` and `count`: {self.en!r}")

    def text(self, language: str, variables: Mapping[str, Any] | None = None) -> str:
        """The raw template for a language (Vietnamese if unknown), in the singular
        when it counts one thing."""
        if language != "en":
            return self.vi
        if self.one is not None and variables is not None and variables.get(self.count) == 1:
            return self.one
        return self.en

    def forms(self, language: str) -> tuple[str, ...]:
        """Every text a language may render (the singular too), for checks."""
        if language == "en" and self.one is not None:
            return self.en, self.one
        return (self.text(language),)


CATALOGUE: dict[str, Template] = {}

# Worst-case (longest) values for template variables; the budget test renders with
# these, and a test checks the built-in flows never produce longer ones.
SAMPLE_VARS: dict[str, Any] = {
    "choices": "1, 2, 3, 4, 5, 6, 7, 8, 9", "low": 99999, "high": 99999, "earliest": 1900,
    "latest": 2099, "count": 9, "min": 99, "max": 999,
}


def define(templates: Mapping[str, Template], samples: Mapping[str, Any] | None = None) -> None:
    """Add templates to the catalogue, and worst-case `samples` for their variables;
    a key may be defined only once. Of two samples for one variable the longer stays."""
    twice = sorted(set(templates) & set(CATALOGUE))
    if twice:
        raise ValueError(f"messages defined twice: {', '.join(twice)}")
    for name, value in (samples or {}).items():
        if name not in SAMPLE_VARS or len(str(value)) > len(str(SAMPLE_VARS[name])):
            SAMPLE_VARS[name] = value
    CATALOGUE.update(templates)


def fields(text: str) -> set[str]:
    """The variable names a template uses: 'Hi {name}, {code}' → {'name', 'code'}
    ('{id.number}' and '{items[0]}' use 'id' and 'items')."""
    return {re.split(r"[.\[]", name, maxsplit=1)[0]
            for _, name, _, _ in string.Formatter().parse(text) if name}


def render(key: str, language: str, variables: Mapping[str, Any] | None = None,
           channel: str = "") -> str:
    """The message text in `language`, variables filled in, kept to the GSM-7 alphabet
    without diacritics (a name 'Hòa' is sent as 'Hoa'). A channel variant of the
    template (`key.ussd`: a menu instead of a sentence) is used when there is one."""
    template = CATALOGUE.get(f"{key}.{channel}", CATALOGUE[key]) if channel else CATALOGUE[key]
    return to_gsm(template.text(language, variables).format_map(dict(variables or {})))


define({
    "help": Template(
        "KB: khai bao y te. KH: khai ho. CI <ma>: check-in. CO: check-out. SK: bao cao "
        "suc khoe. TT: tra cuu. HUY: huy. EN: English. Ho tro: 1022",
        "KB: declare. KH: for family. CI <code>: check in. CO: check out. SK: health "
        "report. TT: status. CANCEL: cancel. VI: tieng Viet. Help: 1022"),
    "cancelled": Template("Da huy. Gui HD de xem huong dan.",
                          "Cancelled. Send HELP for help."),
    "nothing_to_cancel": Template("Khong co gi de huy. Gui HD de xem huong dan.",
                                  "Nothing to cancel. Send HELP for help."),
    "language.set": Template("Da chuyen sang tieng Viet. Gui HD de xem huong dan.",
                             "Replies are now in English. Send HELP for help."),
    "language.ask": Template("Chon ngon ngu / Language:\n1 Tieng Viet\n2 English",
                             "Chon ngon ngu / Language:\n1 Tieng Viet\n2 English"),
    "optout.stopped": Template(
        "Ban se khong nhan tin nhan khong thiet yeu. Gui START de nhan lai.",
        "You will get no non-essential messages. Send START to get them again."),
    "optout.started": Template("Ban se nhan lai tin nhan tu dich vu. Gui STOP de tu choi.",
                               "You will get messages again. Send STOP to opt out."),
    "coming_soon": Template("Dich vu nay dang duoc chuan bi. Vui long goi 1022 de duoc ho tro.",
                            "This service is coming soon. Please call 1022 for help."),
    "dialogue.too_many_attempts": Template(
        "Qua nhieu lan nhap sai. Gui lai tu khoa de bat dau lai, hoac goi 1022.",
        "Too many invalid answers. Send the keyword again to restart, or call 1022."),
    "dialogue.error": Template("Xin loi, he thong gap loi. Vui long gui lai sau it phut.",
                               "Sorry, something went wrong. Please send again in a few minutes."),
    "invalid.choice": Template("Lua chon khong hop le. Tra loi {choices}.",
                               "Invalid choice. Reply {choices}."),
    "invalid.yes_no": Template("Tra loi 1 (co) hoac 2 (khong).", "Reply 1 (yes) or 2 (no)."),
    "invalid.number": Template("Nhap mot so tu {low} den {high}.",
                               "Enter a number from {low} to {high}."),
    "invalid.year": Template("Nam sinh khong hop le. Nhap 4 chu so, tu {earliest} den {latest}.",
                             "Invalid year. Enter 4 digits, {earliest} to {latest}."),
    "invalid.multi": Template("Nhap 0, hoac cac so tu 1 den {count}, vd: 1 3.",
                              "Enter 0, or numbers 1 to {count}, e.g. 1 3."),
    "invalid.too_short": Template("Qua ngan: can it nhat {min} ky tu.",
                                  "Too short: at least {min} characters."),
    "invalid.too_long": Template("Qua dai: toi da {max} ky tu.",
                                 "Too long: at most {max} characters."),
    "invalid.id_number": Template("So giay to khong hop le: CCCD 12 so, CMND 9 so, ho chieu, "
                                  "hoac 0 de bo qua.",
                                  "Invalid ID: CCCD 12 digits, CMND 9 digits, passport, "
                                  "or 0 to skip."),
    "ussd.menu": Template(
        "Khai bao y te\n1 Khai bao\n2 Check-in\n3 Bao cao suc khoe\n4 Tra cuu\n"
        "5 Ngon ngu/Language\n6 Khai ho",
        "Health declaration\n1 Declare\n2 Check in\n3 Health report\n4 Status\n"
        "5 Ngon ngu/Language\n6 Declare for family", budget=USSD_SCREEN),
    "ussd.more": Template("99 Xem them", "99 More", budget=20),
    "ussd.back": Template("0 Quay lai", "0 Back", budget=20),
    "ussd.goodbye": Template("Cam on ban. Ho tro: 1022", "Thank you. Help: 1022",
                             budget=USSD_SCREEN),
})
