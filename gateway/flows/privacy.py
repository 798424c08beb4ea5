"""A person's rights by SMS: `DULIEU` / `MYDATA` (a short summary of what is held for
the phone) and `XOA` / `DELETE` (erasure, confirmed by an OTP to that phone).

The summary is one line per kind of record, each added by a `Tell` when its fact is
present; a new kind is one entry of `SUMMARY_LINES` and its template (and of `SHOWN`
when its fact is a code to put into words, like the consent's answer).
Worst case the whole summary is two GSM-7 segments (a test renders it). Facts are
counts and dates: a name or an ID number never goes out by SMS.

Erasure: a request already open is reported, not repeated (no OTP is spent on it);
else an OTP goes to the phone and, once read back, the request is recorded and queued
(outcome `erasure`). The reply gives the legal deadline and, when the law makes us
keep something (an active quarantine case), what is kept and why.
"""

from __future__ import annotations

from typing import Any

from gateway.flows.declaration import otp_endings
from gateway.flows.engine import Act, Answers, Ask, Branch, End, Flow, Tell
from gateway.flows.messages import Template, define
from gateway.flows.parsers import OtpCode
from gateway.phones import mask
from gateway.text import SMS_CONCAT_SEGMENT_CHARS

# (fact the summary effect returns, template of its line), in the order they are said.
SUMMARY_LINES = (
    ("declarations", "privacy.declarations"),
    ("visits", "privacy.visits"),
    ("case_until", "privacy.case_active"),
    ("cases_closed", "privacy.cases_closed"),
    ("consent", "privacy.consent"),
)
SUMMARY_SEGMENTS = 2
# The phone's latest answer to the notice (gateway/store/consents.py), in words
# (Vietnamese, English): each language's template says its own.
CONSENT_SAID = {
    "agree": ("dong y xu ly du lieu", "agreed to the processing"),
    "refuse": ("khong dong y", "refused consent"),
    "withdraw": ("rut lai dong y", "withdrew consent"),
    "legal_basis": ("duoc bao xu ly theo luat", "were told it is processed by law"),
}


def _consent_said(answers: Answers) -> dict[str, Any]:
    said_vi, said_en = CONSENT_SAID[answers["consent"]]
    return {"consent_vi": said_vi, "consent_en": said_en}


# Facts whose line needs more than the fact itself.
SHOWN = {"consent": _consent_said}


def _masked(answers: Answers) -> dict[str, Any]:
    return {"masked": mask(answers["phone"])}


def _summary_nodes() -> dict[str, Any]:
    """`line_i` says line i when its fact is present; `has_i` decides; then the footer."""
    nodes: dict[str, Any] = {}
    for index, (fact, message) in enumerate(SUMMARY_LINES):
        after = f"has_{index + 1}" if index + 1 < len(SUMMARY_LINES) else "footer"
        nodes[f"has_{index}"] = Branch(
            lambda answers, fact=fact, index=index, after=after:
            f"line_{index}" if answers.get(fact) else after, (f"line_{index}", after))
        nodes[f"line_{index}"] = Tell(message, after, show=SHOWN.get(fact))
    return nodes


def _anything(answers: Answers) -> str:
    return "header" if any(answers.get(fact) for fact, _ in SUMMARY_LINES) else "nothing"


my_data = Flow(
    name="mydata",
    start="lookup",
    nodes={
        "lookup": Act("privacy.summary", {"ok": "anything", "limited": "limited",
                                          "silent": "silent"}),
        "anything": Branch(_anything, ("header", "nothing")),
        "header": Tell("privacy.header", "has_0", show=_masked),
        **_summary_nodes(),
        "footer": End("privacy.footer"),
        "nothing": End("privacy.nothing", show=_masked),
        "limited": End("privacy.limited"),
        "silent": End(None),  # past the limit: no reply, no SMS to pay for
    },
)


def _target(answers: Answers) -> dict[str, Any]:
    return {"phone": answers["phone"], "purpose": "erasure"}


def _code(answers: Answers) -> dict[str, Any]:
    return {**_target(answers), "code": answers.get("retry") or answers["code"]}


erasure = Flow(
    name="erasure",
    start="context",
    nodes={
        "context": Act("erasure.context", {"new": "send", "pending": "pending"}),
        "pending": End("erase.pending"),
        "send": Act("otp.send", {"sent": "code", "refused": "otp_refused", "busy": "otp_busy"},
                    args=_target),
        "code": Ask("erase.otp", OtpCode(), "check", show=_masked),
        "check": Act("otp.verify", {"ok": "scope", "wrong": "retry", "expired": "otp_expired",
                                    "locked": "otp_locked"}, args=_code),
        "retry": Ask("decl.otp_wrong", OtpCode(), "check"),
        **otp_endings("XOA"),
        "scope": Act("erasure.scope", {"all": "queued", "kept": "queued_kept"}),
        "queued": End("erase.queued", outcome="erasure"),
        "queued_kept": End("erase.queued_kept", outcome="erasure"),
    },
)

define({
    "privacy.header": Template("Du lieu luu cho so {masked}:", "Data held for {masked}:"),
    "privacy.declarations": Template(
        "- {declarations} to khai y te (ho ten, nam sinh, giay to, dia chi, trieu chung), "
        "moi nhat {declared_on}",
        "- {declarations} health declarations (name, birth year, ID, address, symptoms), "
        "latest {declared_on}",
        one="- {declarations} health declaration (name, birth year, ID, address, symptoms), "
        "latest {declared_on}", count="declarations"),
    "privacy.visits": Template("- {visits} lan check-in, moi nhat {visited_on}",
                               "- {visits} check-ins, latest {visited_on}",
                               one="- {visits} check-in, latest {visited_on}", count="visits"),
    "privacy.case_active": Template("- Dang cach ly den {case_until}: giu den khi ket thuc",
                                    "- In quarantine until {case_until}: kept until it ends"),
    "privacy.cases_closed": Template("- {cases_closed} ho so cach ly da ket thuc",
                                     "- {cases_closed} closed quarantine records",
                                     one="- {cases_closed} closed quarantine record",
                                     count="cases_closed"),
    "privacy.consent": Template("- Ban {consent_vi} ngay {consent_on}",
                                "- You {consent_en} on {consent_on}"),
    "privacy.footer": Template("Gui XOA de yeu cau xoa. Ho tro: 1022",
                               "Send DELETE to have it erased. Help: 1022"),
    "privacy.nothing": Template(
        "Khong co du lieu nao luu cho so {masked} ngoai tin nhan gan day. Ho tro: 1022",
        "No data is held for {masked} besides recent messages. Help: 1022"),
    "privacy.limited": Template(
        "Ban da nhan {limit} ban tom tat du lieu trong 24 gio. Vui long thu lai sau.",
        "You got {limit} data summaries in 24 hours. Please try again later."),
    "erase.otp": Template(
        "Yeu cau XOA toan bo du lieu cua ban. Da gui ma 6 so toi {masked}: nhap ma de xac "
        "nhan (5 phut). Gui HUY de thoi.",
        "You asked to ERASE all your data. A 6-digit code was sent to {masked}: enter it to "
        "confirm (5 minutes). Send CANCEL to stop."),
    "erase.queued": Template(
        "Da nhan yeu cau xoa du lieu so {request}. Se xoa xong truoc {deadline}; ban se "
        "nhan tin bao khi xong.",
        "Erasure request {request} received. Your data will be erased before {deadline}; "
        "you will get an SMS when done."),
    "erase.queued_kept": Template(
        "Da nhan yeu cau xoa so {request}, xong truoc {deadline}. Ho so cach ly dang theo "
        "doi duoc giu theo luat phong chong dich den khi ket thuc.",
        "Erasure request {request} received, done before {deadline}. Your active quarantine "
        "record is kept by health law until it ends."),
    "erase.pending": Template(
        "Yeu cau xoa so {request} cua ban dang duoc xu ly, xong truoc {deadline}.",
        "Your erasure request {request} is being handled, done before {deadline}."),
    "privacy.erased": Template(
        "Du lieu cua ban da duoc xoa (yeu cau so {request}). Ban ghi dong y va yeu cau nay "
        "duoc giu lam bang chung. Ho tro: 1022",
        "Your data has been erased (request {request}). Your consent answers and this "
        "request are kept as proof. Help: 1022"),
    "privacy.erased_kept": Template(
        "Da xoa du lieu (yeu cau {request}), tru ho so cach ly dang theo doi (giu den khi "
        "ket thuc), ban ghi dong y va yeu cau nay (bang chung). Ho tro: 1022",
        "Data erased (request {request}) except your active quarantine record (kept until "
        "it ends), consent answers and this request (proof). Help: 1022"),
    "otp.sms_erasure": Template(
        "Ma xac nhan XOA du lieu cua ban: {code}. Hieu luc 5 phut. KHONG chia se ma nay "
        "cho ai.",
        "Code to confirm ERASING your data: {code}. Valid 5 minutes. Do NOT share it."),
}, samples={"masked": "+849*****678", "declarations": 9999, "declared_on": "31/12/2026",
            "visits": 99999, "visited_on": "31/12/2026", "case_until": "31/12/2026",
            "cases_closed": 999, "consent": "legal_basis", "consent_on": "31/12/2026",
            "consent_vi": CONSENT_SAID["legal_basis"][0],
            "consent_en": CONSENT_SAID["legal_basis"][1], "limit": 99, "request": 9999999,
            "deadline": "31/12/2026"})

# The whole summary, worst case, fits this many characters (tests/privacy renders it).
SUMMARY_BUDGET = SUMMARY_SEGMENTS * SMS_CONCAT_SEGMENT_CHARS
