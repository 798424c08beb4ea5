"""Consent inside dialogues and on the console: whether a phone must be asked
(`consent.check`), recording its answer (`consent.record`, outcome `consent_refusal`),
and `HUY DONG Y` / `WITHDRAW`.

What withdrawal means here: the phone's current state becomes `withdraw`, so its next
declaration (any channel) shows the notice and asks again; the web system learns it
from the change feed (topic `consent`) and stops processing that rests on consent.
Records already made stay until their retention ends or the person asks for erasure
(`XOA`): withdrawal does not undo processing done while consent stood (Law
91/2025/QH15 Art. 9). Under `CONSENT_MODE=legal_basis` the withdrawal is recorded and
the reply says that processing rests on the law, not on consent. Either way the
withdrawal is also a data-subject request (kind `withdrawal`), answered and done at
once by the reply, so it shows with its times on the console's requests page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.actions.context import Context, Records
from gateway.config import Config
from gateway.flows.consent import notice_hash
from gateway.flows.consent import notice_version as derived_version
from gateway.flows.engine import Say
from gateway.flows.messages import render
from gateway.privacy import intake
from gateway.store import consents, data_requests
from gateway.store.models import Consent


def notice_version(config: Config) -> str:
    """The version recorded with each answer: CONSENT_NOTICE_VERSION, or the text's."""
    return config.consent_notice_version or derived_version()


def legal_basis_mode(config: Config) -> bool:
    """True when the deployment processes under a legal basis instead of consent."""
    return config.consent_mode == "legal_basis"


def check(context: Context, args: Mapping[str, Any]) -> tuple[str, dict]:
    """'given' when the phone agreed before (or, under a legal basis, was told under
    the same basis); else 'notice' under a legal basis, 'ask' otherwise."""
    config = context.runtime.config
    current = consents.latest(context.session, args["phone"])
    if legal_basis_mode(config):
        told = (current is not None and current.answer == "legal_basis"
                and current.legal_basis == config.consent_legal_basis)
        return ("given" if told else "notice"), {}
    return ("given" if current is not None and current.answer == "agree" else "ask"), {}


def record_answer(context: Context, args: Mapping[str, Any]) -> tuple[str, dict]:
    """Record agreement (or the notice under a legal basis) with the hash of the text
    the phone was shown, in its language and on its channel."""
    caller = context.inbound
    shown = render(args["shown"], context.phone.language, {}, caller.channel)
    _record(context, caller.phone, args["answer"], notice_hash(shown))
    return "ok", {}


def refused(context: Records, answers: Mapping[str, Any]) -> None:
    """The phone said no: the refusal is the only thing kept."""
    caller = context.inbound
    shown = render("consent.ask", _language(context), {}, caller.channel)
    _record(context, caller.phone, "refuse", notice_hash(shown))


def withdraw(context: Context) -> Say:
    """`HUY DONG Y` / `WITHDRAW`: record the withdrawal and say what it means."""
    config, phone = context.runtime.config, context.inbound.phone
    current = consents.latest(context.session, phone)
    if legal_basis_mode(config):
        _record(context, phone, "withdraw", None)
        _withdrawal_request(context, f"processing rests on legal basis "
                                     f"{config.consent_legal_basis} (Law 91/2025/QH15 "
                                     f"Art. 19(1)), not on consent")
        return Say("consent.withdraw_basis")
    if current is None or current.answer != "agree":
        return Say("consent.nothing_to_withdraw")
    _record(context, phone, "withdraw", None)
    _withdrawal_request(context)
    return Say("consent.withdrawn")


def _withdrawal_request(context: Records, reason: str = "") -> None:
    """Record the withdrawal as a request, acknowledged and done by this very reply."""
    request = intake.receive(context.session, context.runtime.config.tz,
                             phone=context.inbound.phone, kind="withdrawal",
                             channel=context.inbound.channel, acknowledged=True)
    data_requests.close(request, "done", reason)


def console_notice(config: Config) -> str:
    """The notice the console shows the operator to read out: with the question, or
    (under a legal basis) without it."""
    return "consent.notice" if legal_basis_mode(config) else "consent.hotline"


def record_on_console(context: Records, answer: str, operator: str, language: str) -> Consent:
    """The caller's answer (agree, refuse; legal_basis when the deployment runs under
    one) as the hotline operator heard it after reading the notice to them."""
    shown = render(console_notice(context.runtime.config), language)
    return _record(context, context.inbound.phone, answer, notice_hash(shown), operator)


def _record(context: Records, phone: str, answer: str, digest: str | None,
            operator: str | None = None) -> Consent:
    config = context.runtime.config
    basis = config.consent_legal_basis if legal_basis_mode(config) else None
    return consents.record(context.session, phone=phone, channel=context.inbound.channel,
                           answer=answer, notice_version=notice_version(config),
                           notice_hash=digest, legal_basis=basis, operator=operator)


def _language(context: Records) -> str:
    phone = getattr(context, "phone", None)
    return getattr(phone, "language", "vi")
