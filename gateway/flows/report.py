"""The daily quarantine health report: `SK …`, `BC …`, `REPORT …`, a bare reply to the
reminder, or USSD menu 3.

Symptoms are numbered as in the declaration (1-6) plus two danger signs: 7 chest
pain, 8 confusion. Shortness of breath (3), chest pain, confusion and a temperature
of 39 °C or more are danger signs by default (the thresholds come from the
configuration through the `report.context` effect, so the flow stays pure). Over SMS
one message carries the whole report (`0`, `1 3`, `13`, `1,3`, `1 3 38.5`, `38,5`);
over USSD the keypad has no space or decimal point, so symptoms (`13`) and the
temperature (`385` for 38.5) are two screens.
"""

from __future__ import annotations

import re
from typing import Any

from gateway.flows import symptoms as symptom_table
from gateway.flows.engine import Act, Answers, Ask, Branch, End, Flow, Tell
from gateway.flows.parsers import Invalid, MultiSelect, Parser
from gateway.text import words

# The report's symptoms (1-8) and default danger signs, from the one symptom table.
SYMPTOMS = symptom_table.REPORTED
DANGER_SYMPTOMS = symptom_table.DANGER
DANGER_TEMPERATURE = 39.0
FEVER_TEMPERATURE = 37.5    # a temperature this high counts as a symptom in digests
LOWEST, HIGHEST = 34.0, 43.0  # a body temperature outside this is a typo
NONE_WORDS = frozenset({"0", "khong", "ko", "k", "khoe", "binh thuong", "none", "no", "ok",
                        "fine", "well"})
# Words that may stand around a temperature: '38.5 do', '38,5C', 'nhiet do 38.5'.
UNIT_WORDS = frozenset({"c", "oc", "do", "deg", "degc", "nhiet", "temp"})
# A temperature written with a decimal: two digits, '.' or ',', one or two digits.
# ('1,3' has one digit before the comma: symptoms 1 and 3, never 1.3 °C.)
_DECIMAL = re.compile(r"(?<!\d)(\d{2})[.,](\d{1,2})(?!\d)")
_SEPARATORS = re.compile(r"[\s,;./+]+")
_ALLOWED = re.compile(r"^[\w\s,;./+:°]*$")


def _is_symptoms(token: str) -> bool:
    return all(1 <= int(d) <= len(SYMPTOMS) for d in token)


def _could_be_temperature(token: str) -> bool:
    """'37' or '385' (keypad style) read as a temperature within range."""
    if not token.isdigit():
        return False
    if len(token) == 2:
        return LOWEST <= int(token) <= HIGHEST
    return len(token) == 3 and LOWEST <= int(token) / 10 <= HIGHEST


class DailyReport(Parser):
    """One SMS report: `0` (or `khoe`, `khong`) for none, symptom numbers 1-8 (`1 3`,
    `13`, `1,3`), and optionally a temperature (`38.5`, `38,5`, `38.5 do`, or a whole
    `39` after the symptoms). Returns {'symptoms': (1, 3), 'temperature': 38.5 | None}.

    A lone `37` could be 37 °C or symptoms 3 and 7 (a danger sign): rather than guess
    either way it is asked again, as is a glued `385`.
    """

    accepts = "0 or symptoms 1-8, optional temperature (1 3 38.5)"

    def __call__(self, text: str) -> Any:
        raw = text.lower()
        if not _ALLOWED.match(raw):
            return Invalid("invalid.report")  # '1-3' may mean 1 to 3: never guessed
        decimals = list(_DECIMAL.finditer(raw))
        temperatures = []
        for match in decimals:
            value = round(float(f"{match[1]}.{match[2]}"), 1)
            if 30 <= int(match[1]) <= 49 and not LOWEST <= value <= HIGHEST:
                return Invalid("invalid.report_temperature")
            if LOWEST <= value <= HIGHEST:
                temperatures.append(value)
                raw = raw.replace(match[0], " ", 1)
        tokens = [t for t in words(_SEPARATORS.sub(" ", raw)) if t not in UNIT_WORDS]
        if not tokens and not temperatures:
            return Invalid("invalid.report")
        if " ".join(tokens) in NONE_WORDS:
            tokens = ["0"]
        if tokens and _could_be_temperature(tokens[-1]):
            last = tokens[-1]
            if not _is_symptoms(last) or (len(last) == 2 and len(tokens) > 1):
                # '39', '395' (no symptom 9), or '1 3 37': clearly degrees
                temperatures.append(int(last) / (10 if len(last) == 3 else 1))
                tokens = tokens[:-1]
            else:
                return Invalid("invalid.report_ambiguous", {"value": last})
        if len(temperatures) > 1 or not all(t.isdigit() for t in tokens):
            return Invalid("invalid.report")
        if tokens == ["0"] or not tokens:
            return {"symptoms": (), "temperature": _one(temperatures)}
        if "0" in "".join(tokens) or not all(_is_symptoms(t) for t in tokens):
            return Invalid("invalid.report")
        chosen = tuple(sorted({int(d) for d in "".join(tokens)}))
        return {"symptoms": chosen, "temperature": _one(temperatures)}


def _one(values: list[float]) -> float | None:
    return values[0] if values else None


class KeypadTemperature(Parser):
    """A temperature typed on a USSD keypad, which has no decimal point: `385` is
    38.5, `38` is 38.0; `0` when not measured (None)."""

    accepts = "385 for 38.5, 38, or 0"

    def __call__(self, text: str) -> Any:
        key = "".join(words(text))
        if key == "0":
            return None
        if key.isdigit() and len(key) in (2, 3):
            value = int(key) / (10 if len(key) == 3 else 1)
            if LOWEST <= value <= HIGHEST:
                return value
        return Invalid("invalid.keypad_temperature")


def reading(answers: Answers) -> dict[str, Any]:
    """The report the dialogue collected: answered over USSD, answered when asked, or
    typed after the keyword (or as a bare reply)."""
    if "symptoms" in answers:
        return {"symptoms": tuple(answers["symptoms"]),
                "temperature": answers.get("temperature")}
    if "report" in answers:
        return answers["report"]
    return DailyReport()(answers.get("rest") or "")


def danger_signs(answers: Answers) -> tuple[int, ...]:
    """The danger signs in the report (symptom numbers; 0 stands for the temperature)."""
    report = reading(answers)
    dangerous = answers.get("danger_symptoms", DANGER_SYMPTOMS)
    signs = tuple(s for s in report["symptoms"] if s in dangerous)
    temperature = report["temperature"]
    limit = answers.get("danger_temperature", DANGER_TEMPERATURE)
    return signs + ((0,) if temperature is not None and temperature >= limit else ())


def describe(symptoms: tuple[int, ...] | list[int], temperature: float | None,
             language: str) -> str:
    """'kho tho, dau nguc, 39.5C' (short names; 'khong trieu chung' for none)."""
    parts = [symptom_table.short(s, language) for s in symptoms]
    if temperature is not None:
        parts.append(f"{temperature:.1f}C")
    return ", ".join(parts) or ("no symptoms" if language == "en" else "khong trieu chung")


def summary(answers: Answers) -> dict[str, Any]:
    """Variables of the closing message: what was recorded, in both languages."""
    report = reading(answers)
    return {"report_vi": describe(report["symptoms"], report["temperature"], "vi"),
            "report_en": describe(report["symptoms"], report["temperature"], "en")}


def _given(answers: Answers) -> str:
    if answers.get("channel") == "ussd":
        return "symptoms"
    if not (answers.get("rest") or "").strip():
        return "report"
    parsed = DailyReport()(answers["rest"])
    return f"tell.{parsed.reason}" if isinstance(parsed, Invalid) else "check"


def _outcome(answers: Answers) -> str:
    if danger_signs(answers):
        return "danger"
    report = reading(answers)
    temperature = report["temperature"]
    fever = temperature is not None and temperature >= FEVER_TEMPERATURE
    return "unwell" if report["symptoms"] or fever else "well"


REASONS = ("invalid.report", "invalid.report_ambiguous", "invalid.report_temperature")


def _problem(answers: Answers) -> dict[str, Any]:
    return dict(DailyReport()(answers["rest"]).vars)


report = Flow(
    name="report",
    start="context",
    nodes={
        # Which case the phone reports for, the channel, and the danger thresholds.
        "context": Act("report.context", {"active": "given", "none": "no_case"},
                       args=lambda answers: {"case_id": answers.get("case_id")}),
        "given": Branch(_given, ("report", "check", "symptoms",
                                 *(f"tell.{reason}" for reason in REASONS))),
        **{f"tell.{reason}": Tell(reason, "report", show=_problem) for reason in REASONS},
        "report": Ask("report.ask", DailyReport(), "check"),
        "symptoms": Ask("report.symptoms", MultiSelect(len(SYMPTOMS)), "temperature"),
        "temperature": Ask("report.temperature", KeypadTemperature(), "check"),
        "check": Branch(_outcome, ("well", "unwell", "danger")),
        "well": End("report.well", outcome="report", show=summary),
        "unwell": End("report.unwell", outcome="report", show=summary),
        "danger": End("report.danger", outcome="report", show=summary),
        "no_case": End("report.no_case"),
    },
)
