"""The privacy notice and the consent question, as a step every declaring flow takes
first (Law 91/2025/QH15 Art. 9; Decree 356/2025/ND-CP Art. 6: consent by SMS with a
syntax is valid when it can be verified, so it is the phone's own `1`, never a default).

`consent_nodes(next_node)` gives the nodes a flow embeds, starting at "consent_check":
the caller's `consent.check` effect says whether this phone must be asked ("ask"),
only told ("notice", a deployment under another legal basis, `CONSENT_MODE=legal_basis`)
or neither ("given": it agreed before, or was told under the same basis). The answer
is recorded by the `consent.record` effect (agree, legal_basis) or the
`consent_refusal` outcome (refuse), which ends the dialogue before any answer of the
form exists: a refusal stores nothing but itself.

The notice names the data (health data, sensitive), who keeps it and why, for how
long, and how to see (`DULIEU`) or delete (`XOA`) it, in one SMS segment or one USSD
screen. Its version is derived from the text (`notice_version`), and every consent
row keeps the sha256 of the exact text shown (`notice_hash`).
"""

from __future__ import annotations

import hashlib
from typing import Any

from gateway.flows.engine import Act, Ask, End, Tell
from gateway.flows.messages import CATALOGUE, USSD_SCREEN, Template, define
from gateway.flows.parsers import Choice

ANSWERS = ("agree", "refuse", "withdraw", "legal_basis")
CHANNELS = ("sms", "ussd", "hotline", "web")
# The templates that make up the notice: a change of any changes the version.
NOTICE_KEYS = ("consent.ask", "consent.ask.ussd", "consent.notice", "consent.notice.ussd",
               "consent.hotline")
QUESTION = Choice({"1": "agree", "2": "refuse"},
                  aliases={"dong y": "agree", "agree": "agree", "yes": "agree",
                           "khong": "refuse", "no": "refuse", "refuse": "refuse"})


def consent_nodes(next_node: str) -> dict[str, Any]:
    """The notice and question before a declaration; on agreement (or under a legal
    basis, after the notice) the flow goes on to `next_node`."""
    return {
        "consent_check": Act("consent.check", {"given": next_node, "ask": "consent_ask",
                                               "notice": "consent_notice"},
                             args=lambda answers: {"phone": answers["phone"]}),
        "consent_ask": Ask("consent.ask", QUESTION, {"agree": "consent_agreed",
                                                     "refuse": "consent_refused"}),
        "consent_agreed": Act("consent.record", {"ok": next_node},
                              args=lambda answers: {"answer": "agree", "shown": "consent.ask"}),
        "consent_refused": End("consent.refused", outcome="consent_refusal"),
        "consent_notice": Tell("consent.notice", "consent_basis"),
        "consent_basis": Act("consent.record", {"ok": next_node},
                             args=lambda answers: {"answer": "legal_basis",
                                                   "shown": "consent.notice"}),
    }


def notice_version() -> str:
    """'n-' and the first 10 hex digits of the sha256 of every notice template in both
    languages: editing the notice makes a new version without anyone bumping it."""
    digest = hashlib.sha256()
    for key in NOTICE_KEYS:
        digest.update(f"{CATALOGUE[key].vi}\0{CATALOGUE[key].en}\0".encode())
    return f"n-{digest.hexdigest()[:10]}"


def notice_hash(text: str) -> str:
    """The sha256 (hex) of the exact text shown: proof of what the person was told."""
    return hashlib.sha256(text.encode()).hexdigest()


define({
    "consent.ask": Template(
        "Thong tin suc khoe la du lieu nhay cam, do Bo Y te luu de phong chong dich, toi da "
        "1 nam. Xem: DULIEU, xoa: XOA. Ban dong y?\n1 Dong y\n2 Khong",
        "Health data is sensitive. The Ministry of Health keeps it to fight the epidemic, "
        "at most 1 year. See: MYDATA, delete: DELETE. Agree?\n1 Agree\n2 No"),
    "consent.ask.ussd": Template(
        "Thong tin suc khoe la du lieu nhay cam, do Bo Y te luu de phong chong dich, toi da "
        "1 nam. Xem: SMS DULIEU, xoa: SMS XOA. Ban dong y?\n1 Dong y\n2 Khong",
        "Health data is sensitive. The Ministry of Health keeps it to fight the epidemic, "
        "at most 1 year. See: SMS MYDATA, delete: SMS DELETE. Agree?\n1 Agree\n2 No",
        budget=USSD_SCREEN),
    "consent.notice": Template(
        "Thong tin suc khoe la du lieu nhay cam, do Bo Y te luu de phong chong dich theo "
        "quy dinh phap luat, toi da 1 nam. Xem: DULIEU, xoa: XOA.",
        "Health data is sensitive. The Ministry of Health keeps it to fight the epidemic, "
        "as the law requires, at most 1 year. See: MYDATA, delete: DELETE."),
    "consent.notice.ussd": Template(
        "Thong tin suc khoe la du lieu nhay cam, do Bo Y te luu de phong chong dich theo "
        "quy dinh phap luat, toi da 1 nam. Xem: SMS DULIEU, xoa: SMS XOA.",
        "Health data is sensitive. The Ministry of Health keeps it to fight the epidemic, "
        "as the law requires, at most 1 year. See: SMS MYDATA, delete: SMS DELETE.",
        budget=USSD_SCREEN),
    # What the hotline operator reads to the caller before asking (the console shows it).
    "consent.hotline": Template(
        "Thong tin suc khoe la du lieu nhay cam, do Bo Y te luu de phong chong dich, toi da "
        "1 nam. Xem: nhan DULIEU, xoa: nhan XOA. Ban co dong y khong?",
        "Health data is sensitive. The Ministry of Health keeps it to fight the epidemic, "
        "at most 1 year. See it: text MYDATA, delete: text DELETE. Do you agree?"),
    "consent.refused": Template(
        "Ban da khong dong y: khong luu thong tin khai bao nao. Khi can, gui KB de khai bao "
        "hoac goi 1022.",
        "You did not agree: no declaration data was kept. Send KB to declare later, or call "
        "1022."),
    "consent.withdrawn": Template(
        "Da rut lai dong y. Khong xu ly them du lieu moi; du lieu cu xoa theo thoi han, gui "
        "XOA de xoa ngay. Lan khai bao sau se hoi lai.",
        "Consent withdrawn. No new data is processed; old data is deleted when due, send "
        "DELETE to erase now. Your next declaration asks again."),
    "consent.withdraw_basis": Template(
        "Da ghi nhan. Du lieu suc khoe duoc xu ly theo quy dinh phap luat, khong dua tren "
        "dong y. Gui XOA de yeu cau xoa, DULIEU de xem.",
        "Noted. Health data is processed as the law requires, not on consent. Send DELETE "
        "to ask for erasure, MYDATA to see it."),
    "consent.nothing_to_withdraw": Template(
        "Ban chua dong y cho xu ly du lieu nao. Gui DULIEU de xem du lieu dang luu.",
        "You have given no consent to withdraw. Send MYDATA to see what is kept."),
})
