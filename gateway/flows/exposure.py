"""Exposure notification over SMS: the notice an exposed phone gets, and its answer.

The notice says where and when the phone may have been exposed and what to do, and
never who the case is (it names a venue, a day and a time, nothing of the case). It
asks for an answer: `1` I will self-isolate, `2` I have symptoms. That answer comes
back as a bare SMS with no dialogue open; the router takes it for the phone's latest
unanswered notice (`answer_of` decides whether the text is such an answer) and opens
`exposure_answer`, which records it and, for `2`, hands over to the daily report of a
phone in quarantine or else to a declaration, so symptoms are written down at once.
"""

from __future__ import annotations

from gateway.flows.engine import Act, Answers, Branch, End, Flow
from gateway.flows.messages import Template, define
from gateway.flows.parsers import Choice, Invalid

VENUE_NAME_MAX = 28  # the venue's name is cut to this so the notice stays one segment
ANSWERS = Choice({"1": "isolating", "2": "symptoms"})


def answer_of(text: str) -> str | None:
    """'isolating' for `1`, 'symptoms' for `2` (any spacing or punctuation), None for
    anything else: then the message is not an answer to a notice."""
    value = ANSWERS(text)
    return None if isinstance(value, Invalid) else value


def _next(answers: Answers) -> str:
    if answers["answer"] == "isolating":
        return "isolating"
    return "symptoms_report" if answers.get("case_id") else "symptoms_declare"


exposure_answer = Flow(
    name="exposure_answer",
    start="context",
    nodes={
        # Whether the phone is in quarantine now (its `2` is then today's report).
        "context": Act("exposure.context", {"ok": "route"}),
        "route": Branch(_next, ("isolating", "symptoms_report", "symptoms_declare")),
        "isolating": End("exposure.isolating", outcome="exposure_answer"),
        "symptoms_report": End("exposure.symptoms_report",
                               outcome=("exposure_answer", "exposure_report")),
        "symptoms_declare": End("exposure.symptoms_declare",
                                outcome=("exposure_answer", "exposure_declare")),
    },
)

define({
    "exposure.notice": Template(
        "Co the ban da tiep xuc nguoi benh o {exposure_venue} luc {time} {day}. O nha, theo doi "
        "suc khoe, goi 1022. Tra loi: 1 tu cach ly, 2 co trieu chung",
        "You may have been exposed at {exposure_venue} at {time} {day}. Stay home, watch your "
        "health, call 1022. Reply 1 will self-isolate, 2 have symptoms"),
    "exposure.isolating": Template(
        "Cam on ban. Hay o nha, deo khau trang, do than nhiet moi ngay. Neu co trieu "
        "chung: goi ngay 1022.",
        "Thank you. Stay home, wear a mask, take your temperature daily. If you have "
        "symptoms: call 1022 now."),
    "exposure.symptoms_report": Template(
        "Cam on ban. Hay bao cao suc khoe hom nay de can bo y te theo doi. Cap cuu: 1022.",
        "Thank you. Please report your health today so health staff can follow up. "
        "Emergency: 1022."),
    "exposure.symptoms_declare": Template(
        "Cam on ban. Hay khai bao y te ngay de can bo y te lien he. Cap cuu: goi 1022.",
        "Thank you. Please declare now so health staff can contact you. Emergency: 1022."),
}, samples={"exposure_venue": "Z" * VENUE_NAME_MAX, "day": "31/12", "time": "23:59"})
