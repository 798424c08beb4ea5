"""The medical declaration (tờ khai y tế) as a versioned form, for oneself (`KB`) and
on behalf of a family member (`KH`).

The questions follow the Ministry's default form, in PRODUCT.md order, after the
privacy notice and consent (`gateway.flows.consent`): phone verification, name, year
of birth, gender, ID number, insurance number, province, commune, street, symptoms,
contact, travel, then a summary to confirm. A returning phone is offered its last
identity and address in one step. Health authorities change the questions here;
`FORM_VERSION` is recorded with every declaration.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gateway.flows import symptoms as symptom_table
from gateway.flows.consent import consent_nodes
from gateway.flows.engine import Act, Answers, Ask, Branch, End, Flow
from gateway.flows.parsers import (
    Choice,
    FreeText,
    IdNumber,
    InsuranceNumber,
    MultiSelect,
    OtpCode,
    PhoneOrSkip,
    Year,
    YesNo,
)
from gateway.flows.places import ProvinceName, WardName, WardPick, candidates_list, province_list
from gateway.phones import mask

FORM_VERSION = "moh-2025.1"
SYMPTOMS = symptom_table.DECLARED  # the symptoms asked (gateway/flows/symptoms.py)
GENDERS = {"male": ("Nam", "Male"), "female": ("Nu", "Female"), "other": ("Khac", "Other")}
RELATIONS = {"1": "parent", "2": "child", "3": "spouse", "4": "sibling", "5": "grandparent",
             "6": "other"}
NAME_MAX = 60
STREET_MAX = 100
DONE = End("decl.done", outcome="declaration")
DONE_HIGH = End("decl.done_high", outcome="declaration")


def is_high_risk(answers: Answers) -> bool:
    """Any symptom, contact with a case, or travel to an area with cases."""
    return bool(answers.get("symptoms")) or bool(answers.get("contact")) or bool(
        answers.get("travel"))


def ward(answers: Answers) -> dict[str, Any]:
    """The commune/ward answered, directly or picked among candidates."""
    commune = answers["commune"]
    return answers["commune_pick"] if isinstance(commune, tuple) else commune


def summary(answers: Answers) -> dict[str, Any]:
    """Variables of the confirmation summary, in both languages."""
    symptoms = answers.get("symptoms") or ()
    gender = GENDERS[answers["gender"]]
    return {
        "full_name": answers["name"], "ward_name": ward(answers)["name"],
        "province_name": answers["province"]["name"],
        "gender_vi": gender[0], "gender_en": gender[1],
        "symptoms_vi": ", ".join(symptom_table.name(s, "vi") for s in symptoms) or "khong",
        "symptoms_en": ", ".join(symptom_table.name(s, "en") for s in symptoms) or "none",
        "contact_vi": "co" if answers["contact"] else "khong",
        "contact_en": "yes" if answers["contact"] else "no",
        "travel_vi": "co" if answers["travel"] else "khong",
        "travel_en": "yes" if answers["travel"] else "no",
    }


def _otp_nodes(prefix: str, phone_key: str, verified_next: str,
               purpose: str) -> dict[str, Any]:
    """Send an OTP to the phone under `phone_key`, ask for it, verify it (re-asking on
    a wrong code), then go to `verified_next`."""
    def target(answers: Answers) -> dict[str, Any]:
        return {"phone": answers[phone_key], "purpose": purpose}

    def masked(answers: Answers) -> dict[str, Any]:
        return {"masked": mask(answers[phone_key])}

    def code(answers: Answers) -> dict[str, Any]:
        latest = answers.get(f"{prefix}_retry") or answers[f"{prefix}_code"]
        return {**target(answers), "code": latest}

    sent = {"sent": f"{prefix}_code", "refused": "otp_refused", "busy": "otp_busy"}
    if purpose == "member":  # a code to another number is capped per declarer
        sent["capped"] = "otp_capped"
    return {
        f"{prefix}_send": Act("otp.send", sent, args=target),
        f"{prefix}_code": Ask("decl.otp", OtpCode(), f"{prefix}_check", show=masked),
        f"{prefix}_check": Act("otp.verify", {"ok": verified_next, "wrong": f"{prefix}_retry",
                                              "expired": "otp_expired", "locked": "otp_locked"},
                               args=code),
        f"{prefix}_retry": Ask("decl.otp_wrong", OtpCode(), f"{prefix}_check"),
    }


Keyword = str | Callable[[Answers], str]


def otp_endings(keyword: Keyword) -> dict[str, Any]:
    """Where a failed verification ends; `keyword` (or a function of the answers) is
    what to send to get a new code."""
    def keyword_var(answers: Answers) -> dict[str, Any]:
        return {"keyword": keyword if isinstance(keyword, str) else keyword(answers)}

    return {
        "otp_refused": End("decl.otp_refused"),
        "otp_busy": End("decl.otp_busy"),
        "otp_expired": End("decl.otp_expired", show=keyword_var),
        "otp_locked": End("decl.otp_locked", show=keyword_var),
    }


def _form_nodes(name_prompt: str, restart: str, done: End = DONE,
                done_high: End = DONE_HIGH) -> dict[str, Any]:
    """Questions 2-13 of the form, from the name to the confirmed declaration, which
    ends at `done` or, high-risk, at `done_high`."""
    return {
        "name": Ask(name_prompt, FreeText(max_length=NAME_MAX), "birth_year"),
        "birth_year": Ask("decl.birth_year", Year(), "gender"),
        "gender": Ask("decl.gender", Choice({"1": "male", "2": "female", "3": "other"},
                                            aliases={"nam": "male", "nu": "female",
                                                     "khac": "other", "male": "male",
                                                     "female": "female", "other": "other"}),
                      "id_number"),
        "id_number": Ask("decl.id_number", IdNumber(), "insurance"),
        "insurance": Ask("decl.insurance", InsuranceNumber(), "province"),
        "province": Ask("decl.province", ProvinceName(), "commune",
                        show=lambda answers: {"province_list": province_list()}),
        "commune": Ask("decl.commune", WardName(), Branch(
            lambda answers: "commune_pick" if isinstance(answers["commune"], tuple)
            else "street", ("commune_pick", "street")),
            show=lambda answers: {"province_name": answers["province"]["name"]}),
        "commune_pick": Ask("decl.commune_pick", WardPick(), "street",
                            show=lambda answers: {
                                "candidates": candidates_list(answers["commune"])}),
        "street": Ask("decl.street", FreeText(max_length=STREET_MAX), "symptoms"),
        "symptoms": Ask("decl.symptoms", MultiSelect(len(SYMPTOMS)), "contact"),
        "contact": Ask("decl.contact", YesNo(), "travel"),
        "travel": Ask("decl.travel", YesNo(), "confirm"),
        "confirm": Ask("decl.confirm", Choice({"1": "submit", "2": "restart"}),
                       {"submit": "submitted", "restart": restart}, show=summary),
        "submitted": Branch(lambda answers: "done_high" if is_high_risk(answers) else "done",
                            ("done", "done_high")),
        "done": done,
        "done_high": done_high,
    }


def self_declaration_nodes(keyword: Keyword, done: End = DONE,
                           done_high: End = DONE_HIGH) -> dict[str, Any]:
    """Declaring for oneself, from the privacy notice and 'is this phone verified?' to
    the record; starts at the node "consent_check". Other flows (check-in) embed it
    with their own endings."""
    return {
        # Before anything is asked or stored: the notice, and consent (flows/consent.py).
        **consent_nodes("context"),
        # What the caller knows: is the phone verified (recently by OTP, or by the
        # network on USSD), and did it declare before (to offer its last answers)?
        "context": Act("declaration.context", {"verified": "returning",
                                               "unverified": "self_send"}),
        **_otp_nodes("self", "phone", "returning", "self"),
        **otp_endings(keyword),
        "returning": Branch(lambda answers: "same_person" if answers.get("previous")
                            else "name", ("same_person", "name")),
        "same_person": Ask("decl.same_person", YesNo(), {True: "reuse", False: "name"},
                           show=lambda answers: answers["previous"]),
        "reuse": Act("declaration.reuse", {"ok": "symptoms"},
                     args=lambda answers: {"previous": answers["previous"]}),
        **_form_nodes("decl.name", restart="name", done=done, done_high=done_high),
    }


self_declaration = Flow(
    name="declaration",
    start="consent_check",
    resumable=True,
    nodes=self_declaration_nodes("KB"),
)

family_declaration = Flow(
    name="family",
    start="consent_check",
    resumable=True,
    nodes={
        # The declarer answers the notice for the data they give: their own, and (as the
        # one who provides it, e.g. a parent for a child) the family member's.
        **consent_nodes("context"),
        # The declarer proves their own phone first; the record is tied to it.
        "context": Act("declaration.context", {"verified": "member_phone",
                                               "unverified": "self_send"}),
        **_otp_nodes("self", "phone", "member_phone", "self"),
        **otp_endings("KH"),
        "member_phone": Ask("decl.member_phone", PhoneOrSkip(), Branch(
            lambda answers: "member_send" if answers["member_phone"] else "relation",
            ("member_send", "relation"))),
        # A member with a phone proves it: they read the code to the declarer.
        **_otp_nodes("member", "member_phone", "relation", "member"),
        "otp_capped": End("decl.otp_capped"),
        "relation": Ask("decl.relation", Choice(RELATIONS), "name"),
        **_form_nodes("decl.member_name", restart="name"),
    },
)
