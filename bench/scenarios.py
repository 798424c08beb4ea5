"""Whole conversations, as a citizen would have them, and the records each must leave.

A phone's "life" is a sequence of conversations; `LIVES` alternates SMS and USSD
citizens so every step type is exercised under load."""

from __future__ import annotations

from collections import Counter

from bench.phones import Phone

FORM = [("Nguyen Van An", "Nam sinh"), ("1980", "Gioi tinh"), ("1", "So CCCD"),
        ("0", "BHYT"), ("0", "inh/thanh pho"), ("ha noi", "Xa/phuong"),
        ("hoan kiem", "So nha"), ("12 Hang Bac", "trieu chung"), ("0", "tiep xuc"),
        ("2", "vung co dich"), ("2", "1 Gui")]


async def sms_new_user(phone: Phone, venue: str, made: Counter) -> None:
    """KB with OTP, the whole form, submit."""
    already = len(phone.standin.sent_to(phone.number))
    await phone.sms("sms.keyword", "KB", "Da gui ma")
    await phone.sms("sms.otp", await phone.otp(already), "ho va ten")
    for text, expect in FORM:
        await phone.sms("sms.answer", text, expect)
    await phone.sms("sms.submit", "1", "Da khai bao")
    made["declarations"] += 1


async def sms_returning_user(phone: Phone, venue: str, made: Counter) -> None:
    """KB again: confirm identity, symptoms, submit (still verified: no OTP)."""
    await phone.sms("sms.keyword", "KB", "Co phai ban")
    await phone.sms("sms.answer", "1", "trieu chung")
    for text, expect in (("0", "tiep xuc"), ("2", "vung co dich"), ("2", "1 Gui")):
        await phone.sms("sms.answer", text, expect)
    await phone.sms("sms.submit", "1", "Da khai bao")
    made["declarations"] += 1


async def ussd_declaration(phone: Phone, venue: str, made: Counter) -> None:
    """Dial, menu 1, the form (network-verified), submit."""
    await phone.dial("ussd.dial", "CON Khai bao y te")
    await phone.press("ussd.answer", "1", "ho va ten")
    for text, expect in FORM:
        await phone.press("ussd.answer", text, expect)
    await phone.press("ussd.submit", "1", "END Da khai bao")
    made["declarations"] += 1


async def sms_check_in_and_out(phone: Phone, venue: str, made: Counter) -> None:
    """CI at the venue, then CO."""
    await phone.sms("sms.checkin", f"CI {venue}", "Da check-in")
    await phone.sms("sms.checkout", "CO", "Da check-out")
    made["visits"] += 1


async def ussd_check_in(phone: Phone, venue: str, made: Counter) -> None:
    """Dial straight through to the venue."""
    await phone.dial("ussd.checkin", "END Da check-in", code=f"*1022*{venue}#")
    made["visits"] += 1


LIVES = [
    (sms_new_user, sms_check_in_and_out, sms_returning_user),
    (ussd_declaration, ussd_check_in),
]
