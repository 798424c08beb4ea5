"""What the daily report and the quarantine service say: the report dialogue, and the
messages sent on their own (welcome, reminders, danger-sign alert, digest, last day)."""

from gateway.flows import symptoms
from gateway.flows.messages import Template, define
from gateway.flows.report import describe
from gateway.flows.symptoms import REPORTED

_ALL = REPORTED
# The eight symptoms in one line, for the prompts that must fit one segment.
_BRIEF_VI = symptoms.numbered(REPORTED, "vi", form="brief")
_BRIEF_EN = symptoms.numbered(REPORTED, "en", form="brief")
_DANGER_VI = ", ".join(symptoms.short(n, "vi") for n in symptoms.DANGER)
DIGEST_NAME_MAX = 24  # a name in the digest: enough to recognise, short enough for many
ALERT_NAME_MAX = 24   # the alert names every sign reported, in one segment

define({
    # The report dialogue.
    "report.ask": Template(
        f"Bao cao suc khoe: 0 neu khoe, hoac so trieu chung {_BRIEF_VI}, va nhiet do. "
        "Vd: 1 3 38.5",
        f"Health report: 0 if well, or symptoms {_BRIEF_EN}, and temperature. E.g. 1 3 38.5"),
    "report.symptoms": Template(
        "Trieu chung hom nay (nhap lien, vd 13):\n0 Khong co\n"
        + symptoms.numbered(REPORTED, "vi", separator="\n"),
        "Symptoms today (type together, e.g. 13):\n0 None\n"
        + symptoms.numbered(REPORTED, "en", separator="\n")),
    "report.temperature": Template(
        "Nhiet do (vd 385 la 38.5 do), nhap 0 neu khong do:",
        "Temperature (e.g. 385 for 38.5 C), or 0 if not measured:"),
    "report.well": Template(
        "{verb_vi} bao cao ngay {day}: {report_vi}. Cam on ban. Con {days_left} ngay cach ly.",
        "{verb_en} your report for {day}: {report_en}. Thank you. {days_left} days of "
        "quarantine left.",
        one="{verb_en} your report for {day}: {report_en}. Thank you. {days_left} day of "
        "quarantine left.", count="days_left"),
    "report.unwell": Template(
        f"{{verb_vi}} {{day}}: {{report_vi}}. Nghi ngoi. Neu {_DANGER_VI}, sot cao: "
        "goi 115/1022.",
        "{verb_en} {day}: {report_en}. Rest; if it gets worse, call 115 or 1022."),
    "report.danger": Template(
        "{verb_vi} {day}: {report_vi}. NGUY HIEM: goi ngay 115 (cap cuu) hoac 1022. Da bao "
        "can bo quan ly.",
        "{verb_en} {day}: {report_en}. DANGER: call 115 (emergency) or 1022 now. Manager "
        "alerted."),
    "report.no_case": Template(
        "So nay khong co trong danh sach cach ly. Neu ban dang cach ly, goi 1022 hoac can bo "
        "quan ly cua ban.",
        "This number is not on a quarantine list. If you are in quarantine, call 1022 or "
        "your manager."),
    "invalid.report": Template("Chua ro bao cao cua ban.", "Your report was not clear."),
    "invalid.report_ambiguous": Template(
        "{value} la nhiet do hay trieu chung? Nhiet do viet co dau cham (vd 38.0), trieu "
        "chung viet cach nhau (vd 3 8).",
        "Is {value} a temperature or symptoms? Write a temperature with a point (38.0), "
        "symptoms apart (3 8)."),
    "invalid.report_temperature": Template(
        "Nhiet do phai tu 34 den 43 do, vd: 38.5", "Temperature must be 34 to 43 C, e.g. 38.5"),
    "invalid.keypad_temperature": Template(
        "Nhap 3 so, vd 385 la 38.5 do (34-43), hoac 0.",
        "Enter 3 digits, e.g. 385 for 38.5 C (34-43), or 0."),
    # Sent on their own.
    "quarantine.welcome": Template(
        "Ban duoc theo doi cach ly {kind_vi} den het {end}. Moi ngay tra loi tin nhac: 0 neu "
        "khoe, hoac so trieu chung va nhiet do (vd 1 3 38.5). HD: gui SK",
        "You are in {kind_en} quarantine until {end}. Each day reply to the reminder: 0 if "
        "well, or symptom numbers and temperature (1 3 38.5). Help: send SK"),
    "quarantine.reminder": Template(
        f"Bao cao suc khoe {{day}}: tra loi 0 neu khoe, hoac so trieu chung {_BRIEF_VI} "
        "+ nhiet do, vd 1 3 38.5",
        f"Health report {{day}}: reply 0 if well, or symptoms {_BRIEF_EN} + temp, "
        "e.g. 1 3 38.5"),
    "quarantine.reminder_again": Template(
        "Nhac lan 2: ban chua bao cao suc khoe hom nay ({day}). Tra loi 0 neu khoe, hoac so "
        "trieu chung va nhiet do, vd 1 3 38.5. Gui SK de xem huong dan.",
        "Second reminder: no health report from you today ({day}). Reply 0 if well, or "
        "symptoms and temperature, e.g. 1 3 38.5. Send SK for help."),
    "quarantine.alert": Template(
        "KHAN cach ly {masked} {person}: {report_vi} luc {time}. Goi ngay.",
        "URGENT quarantine {masked} {person}: {report_en} at {time}. Call now."),
    "quarantine.ended": Template(
        "Hom nay ({day}) la ngay cuoi cach ly. Tu mai ban khong can bao cao nua. Neu co trieu "
        "chung, goi 1022. Cam on ban da hop tac.",
        "Today ({day}) is your last day of quarantine. From tomorrow no reports are needed. "
        "If you have symptoms, call 1022. Thank you."),
    "quarantine.digest": Template(
        "Cach ly {day}: {active} dang theo doi, {reported} da bao cao, {unwell} co trieu "
        "chung, {missing} chua bao cao.",
        "Quarantine {day}: {active} followed, {reported} reported, {unwell} with symptoms, "
        "{missing} not reported."),
    "quarantine.digest_unwell": Template(" Trieu chung: {names}.", " Symptoms: {names}."),
    "quarantine.digest_missing": Template(" Chua bao cao: {names}.", " Not reported: {names}."),
    "quarantine.digest_more": Template(" +{more} nguoi khac. Xem {console}",
                                       " +{more} more. See {console}"),
    "quarantine.digest_console": Template(" Xem {console}", " See {console}"),
    # Without PUBLIC_BASE_URL the digest has no address to point to: it says no more.
    "quarantine.digest_more_only": Template(" +{more} nguoi khac.", " +{more} more."),
    "quarantine.digest_days": Template("{name} ({days} ngay)", "{name} ({days} days)",
                                       one="{name} ({days} day)", count="days"),
}, samples={
    "verb_vi": "Da cap nhat", "verb_en": "Updated", "day": "31/12", "days_left": 99,
    "report_vi": describe(_ALL, 39.5, "vi"), "report_en": describe(_ALL, 39.5, "en"),
    "value": "385", "kind_vi": "tai co so", "kind_en": "facility", "end": "31/12/2026",
    "person": "X" * ALERT_NAME_MAX, "name": "X" * DIGEST_NAME_MAX, "masked": "+849*****678",
    "time": "23:59", "active": 999999,
    "reported": 999999, "unwell": 999999, "missing": 999999, "names": "X" * 100,
    "more": 999999, "days": 999, "console": "https://gateway.example.gov.vn/hotline/",
})
