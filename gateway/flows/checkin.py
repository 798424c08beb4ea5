"""`CI <code>` check-in and `CO [<code>]` check-out at a venue.

Check-in needs a valid declaration: without one, the declaration runs first (the
same questions as `KB`) and the check-in completes after it.
"""

from __future__ import annotations

from typing import Any

from gateway.codes import parse_venue_code
from gateway.flows.declaration import self_declaration_nodes
from gateway.flows.engine import Act, Answers, Ask, Branch, End, Flow, Tell
from gateway.flows.messages import Template, define
from gateway.flows.parsers import Invalid, Parser
from gateway.text import words


class VenueCode(Parser):
    """A 7-digit venue code whose check digit is right."""

    accepts = "a 7-digit venue code"

    def __call__(self, text: str) -> Any:
        code = parse_venue_code(text)
        return code if code else Invalid("checkin.bad_code")


def given_code(answers: Answers) -> dict[str, Any]:
    """The code typed after the keyword (`CI 123 4567`), or answered when asked."""
    typed = answers.get("ask_code") or "".join(answers.get("args") or ())
    return {"code": typed}


def _retry_keyword(answers: Answers) -> str:
    return f"CI {answers['venue']['code']}"


checkin = Flow(
    name="checkin",
    start="code_given",
    resumable=True,
    nodes={
        "code_given": Branch(lambda answers: "lookup" if "".join(answers.get("args") or ())
                             else "ask_code", ("lookup", "ask_code")),
        "ask_code": Ask("checkin.ask_code", VenueCode(), "lookup"),
        "lookup": Act("checkin.venue", {"found": "declared", "unknown": "unknown",
                                        "bad_code": "bad_code"}, args=given_code),
        "unknown": End("checkin.unknown"),
        "bad_code": End("checkin.bad_code_end"),
        "declared": Act("checkin.declaration", {"valid": "record", "none": "need_declaration"}),
        "record": Act("checkin.record", {"recorded": "checked_in", "repeated": "repeated"},
                      args=lambda answers: {"venue": answers["venue"]}),
        "checked_in": End("checkin.done"),
        "repeated": End("checkin.repeated"),
        "need_declaration": Tell("checkin.need_declaration", "consent_check",
                                 show=lambda answers: {"venue_name": answers["venue"]["name"]}),
        **self_declaration_nodes(
            _retry_keyword,
            done=End("checkin.declared_done", outcome=("declaration", "visit")),
            done_high=End("checkin.declared_done_high", outcome=("declaration", "visit"))),
    },
)

checkout = Flow(
    name="checkout",
    start="close",
    nodes={
        "close": Act("checkout.close", {"closed": "done", "none": "none", "other": "other",
                                        "bad_code": "bad_code"},
                     args=lambda answers: {"code": "".join(words(" ".join(
                         answers.get("args") or ())))}),
        "done": End("checkout.done"),
        "none": End("checkout.none"),
        "other": End("checkout.other"),
        "bad_code": End("checkin.bad_code_end"),
    },
)

define({
    "checkin.ask_code": Template("Nhap ma dia diem (7 chu so tren poster):",
                                 "Enter the venue code (7 digits on the poster):"),
    "checkin.bad_code": Template("Ma dia diem khong dung: kiem tra 7 chu so tren poster.",
                                 "Wrong venue code: check the 7 digits on the poster."),
    "checkin.bad_code_end": Template(
        "Ma dia diem khong dung: kiem tra 7 chu so tren poster roi gui lai CI <ma>.",
        "Wrong venue code: check the 7 digits on the poster and send CI <code> again."),
    "checkin.unknown": Template("Khong co dia diem nao mang ma {code}. Kiem tra lai poster.",
                                "No venue has the code {code}. Please check the poster."),
    "checkin.done": Template("Da check-in tai {venue_name} luc {time}. Gui CO khi ra ve.",
                             "Checked in at {venue_name} at {time}. Send CO when you leave."),
    "checkin.repeated": Template("Ban da check-in tai {venue_name} luc {time} roi.",
                                 "You already checked in at {venue_name} at {time}."),
    "checkin.need_declaration": Template(
        "Can khai bao y te truoc khi check-in tai {venue_name}.",
        "A health declaration is needed before checking in at {venue_name}."),
    "checkin.declared_done": Template(
        "Da khai bao (ma {code}) va check-in tai {venue_name} luc {time}. Gui CO khi ra ve.",
        "Declared (code {code}) and checked in at {venue_name} at {time}. Send CO on leaving."),
    "checkin.declared_done_high": Template(
        "Da khai bao (ma {code}), check-in tai {venue_name}. Ban co dau hieu nguy co: "
        "han che tiep xuc, goi 1022.",
        "Declared (code {code}), checked in at {venue_name}. You have risk signs: avoid "
        "contact, call 1022."),
    "checkout.done": Template("Da check-out khoi {venue_name} luc {time}. Cam on ban.",
                              "Checked out of {venue_name} at {time}. Thank you."),
    "checkout.none": Template("Ban khong co check-in nao dang mo.",
                              "You have no open check-in."),
    "checkout.other": Template("Ban dang check-in tai {venue_name}, khong phai ma nay. Gui CO "
                               "de check-out.",
                               "Your open check-in is at {venue_name}, not this code. Send CO "
                               "to check out."),
}, samples={"venue_name": "Z" * 40, "time": "23:59", "code": "ABCDEFGH"})
