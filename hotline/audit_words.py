"""How the audit log reads to a person: an entry's action and detail in the viewer's
language.

An entry keeps the stable action name it was recorded with (`case.enrol`): the search
matches it and the page shows it beside the words. The words are catalog texts:
`audit.action.<action>` for every action in ACTIONS, and one text per step of an export
(`export.<list>`, `export.<list>.queued`, `export.<list>.download`) naming the list.

A detail is written by the code that records the entry in a fixed English shape ("case
12", "access request 3", "csv, search: 'an'; 12 rows"). The shapes that recur are read
back here by pattern and said in the viewer's language; what is data (codes, dates, a
clearing note, a refusal's reason, a search term) is shown as recorded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

# Every action the console records (hotline/*.py `audit.record`); a test checks the
# code records no other and that each has its words in both catalogs.
ACTIONS = (
    "alert.clear", "area.change", "area.declare", "area.lift", "area.view", "caller.view",
    "case.close", "case.enrol", "case.extend", "case.reopen",
    "case.view",
    "consent.refuse", "dashboard.view", "declaration.create", "declaration.form",
    "digest.view", "exposure.list", "exposure.mark", "exposure.notify", "exposure.view",
    "otp.refused", "otp.send", "otp.verify", "privacy.acknowledge",
    "privacy.done", "privacy.erase", "privacy.export", "privacy.refused", "privacy.request",
    "report.create", "report.form", "reports.view", "roster.print", "roster.view",
    "team.report", "team.resident_add", "team.resident_join", "team.view",
    "visit.create", "visit.staff_check_in", "visits.list", "visits.venue",
)
EXPORT_STEPS = {"": "audit.export", "queued": "audit.export_queued",
                "download": "audit.export_download"}
REQUEST_KINDS = ("access", "erasure", "withdrawal", "restriction")
# Single-word details: an OTP's purpose, a code's verdict, why a code was refused, the
# outcome of a venue staff check-in, whether a form was prefilled.
WORDS = ("call", "visit", "ok", "wrong", "expired", "locked", "malformed", "capped",
         "refused", "checked_in", "repeated", "no_declaration", "prefilled", "blank")

_KIND = "|".join(REQUEST_KINDS)
# (pattern of a whole detail part, its text key); named groups fill the text.
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.DOTALL), key) for pattern, key in (
        (r"case (?P<case>\d+)", "audit.detail.case"),
        (r"case (?P<case>\d+) until (?P<end>[\d-]+)", "audit.detail.case_until"),
        (r"case (?P<case>\d+) alert (?P<alert>\d+): (?P<note>.*)", "audit.detail.alert"),
        (r"case (?P<case>\d+): (?P<said>.*)", "audit.detail.case_said"),
        (r"no active case", "audit.detail.no_case"),
        (r"declarations, visits, quarantine", "audit.detail.caller"),
        (rf"(?P<kind>{_KIND}) request (?P<id>\d+)", "audit.detail.request"),
        (rf"(?P<kind>{_KIND}) request (?P<id>\d+): (?P<reason>.*)",
         "audit.detail.request_reason"),
        (rf"(?P<format>\w+) for (?P<kind>{_KIND}) request (?P<id>\d+)",
         "audit.detail.request_export"),
        (r"request (?P<id>\d+): (?P<outcome>.*)", "audit.detail.request_outcome"),
        (r"search: the phone", "audit.detail.search_phone"),
        (r"search: (?P<term>.*)", "audit.detail.search"),
        (r"filters: (?P<filters>.*)", "audit.detail.filters"),
        (r"today at (?P<codes>.*)", "audit.detail.today_at"),
        (r"(?P<code>\d{7}) (?P<word>[a-z_]+)", "audit.detail.venue_word"),
    ))
_ROWS = re.compile(r"(?P<rows>\d+) rows")
_FORMAT = re.compile(r"(?P<format>csv|xlsx), (?P<rest>.*)", re.DOTALL)

Say = Callable[..., str]
SayN = Callable[..., str]


@dataclass(frozen=True)
class Words:
    """The translating functions of whoever reads the log: `say(key, **vars)` and
    `say_n(key, n, **vars)` (hotline.web's t and tn, or an export viewer's)."""

    say: Say
    say_n: SayN


def action(name: str, words: Words, list_titles: Mapping[str, str]) -> str:
    """The words of an action (the recorded name if it has none)."""
    if name.startswith("export."):
        listing, _, step = name.removeprefix("export.").partition(".")
        title = list_titles.get(listing)
        if title is not None and step in EXPORT_STEPS:
            return words.say(EXPORT_STEPS[step], list=words.say(title))
    if name in ACTIONS:
        return words.say(f"audit.action.{name}")
    return name


def detail(text: str, words: Words) -> str:
    """A detail in the viewer's words: each `; `-separated part read by pattern."""
    found = _FORMAT.fullmatch(text)
    if found:
        return f"{found['format'].upper()}, {detail(found['rest'], words)}"
    return "; ".join(_part(part, words) for part in text.split("; "))


def _part(text: str, words: Words) -> str:
    rows = _ROWS.fullmatch(text)
    if rows:
        return words.say_n("audit.detail.rows", int(rows["rows"]), rows=rows["rows"])
    if text in WORDS:
        return words.say(f"audit.word.{text}")
    for pattern, key in PATTERNS:
        found = pattern.fullmatch(text)
        if found:
            return words.say(key, **_said(found.groupdict(), words))
    return text


def _said(groups: dict[str, str], words: Words) -> dict[str, str]:
    """Group values, with those that are words (a request's kind, a verdict) said."""
    said = dict(groups)
    if "kind" in said:
        said["kind"] = words.say(f"privacy.kind.{said['kind']}")
    if said.get("word") in WORDS:
        said["word"] = words.say(f"audit.word.{said['word']}")
    return said
