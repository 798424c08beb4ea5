"""The daily report's parsers and rules, as tables: every accepted spelling, every
refused one (with the reason the phone is told), and the danger signs."""

import pytest

from gateway.config import REPORT_SYMPTOMS
from gateway.flows import FLOWS, problems, symptoms
from gateway.flows.parsers import Invalid
from gateway.flows.report import (
    SYMPTOMS,
    DailyReport,
    KeypadTemperature,
    danger_signs,
    describe,
    reading,
)

parse = DailyReport()


@pytest.mark.parametrize(("text", "symptoms", "temperature"), [
    ("0", (), None),
    ("1 3", (1, 3), None),
    ("13", (1, 3), None),
    ("1,3", (1, 3), None),
    ("1;3", (1, 3), None),
    ("1.3", (1, 3), None),             # '.' is the easiest separator on a keypad
    ("3 1 3", (1, 3), None),           # sorted, without repeats
    ("1 3 38.5", (1, 3), 38.5),
    ("1 3 38,5", (1, 3), 38.5),
    ("1,3,38,5", (1, 3), 38.5),        # '1,3' has one digit before the comma: symptoms
    ("38,5", (), 38.5),
    ("38.5", (), 38.5),
    ("0 36.6", (), 36.6),
    ("0 37", (), 37.0),                # a whole temperature after the symptoms
    ("1 3 37", (1, 3), 37.0),
    ("39", (), 39.0),                  # no symptom 9: degrees
    ("40", (), 40.0),                  # no symptom 0 among others: degrees
    ("395", (), 39.5),                 # keypad style, unambiguous
    ("12 37,5c", (1, 2), 37.5),
    ("38.5 do", (), 38.5),
    ("Nhiệt độ 38,5", (), 38.5),
    ("36.5°C", (), 36.5),
    ("38.55", (), 38.5),
    ("khoe", (), None),
    ("Không", (), None),
    ("binh thuong", (), None),
    ("khoe 36,6", (), 36.6),
    ("1 2 3 4 5 6 7 8", (1, 2, 3, 4, 5, 6, 7, 8), None),
    ("135", (1, 3, 5), None),          # 13.5 is no temperature: glued symptoms
    (" 2 ", (2,), None),
])
def test_accepted_reports(text, symptoms, temperature):
    assert parse(text) == {"symptoms": symptoms, "temperature": temperature}


@pytest.mark.parametrize(("text", "reason"), [
    ("", "invalid.report"),
    ("   ", "invalid.report"),
    ("?", "invalid.report"),
    ("sot cao", "invalid.report"),
    ("1-3", "invalid.report"),          # may mean 1 to 3: never guessed
    ("9", "invalid.report"),
    ("0 1", "invalid.report"),          # none and fever at once
    ("10", "invalid.report"),
    ("00", "invalid.report"),
    ("1 3 38.5 39.0", "invalid.report"),  # two temperatures
    ("37", "invalid.report_ambiguous"),   # 37 C, or breathless + chest pain?
    ("38", "invalid.report_ambiguous"),
    ("385", "invalid.report_ambiguous"),  # 38.5 C, or 3, 8 and 5?
    ("1 3 385", "invalid.report_ambiguous"),
    ("45.5", "invalid.report_temperature"),
    ("30,2", "invalid.report_temperature"),
])
def test_refused_reports(text, reason):
    refused = parse(text)
    assert isinstance(refused, Invalid) and refused.reason == reason


def test_an_ambiguous_reply_names_the_number():
    assert parse("37").vars == {"value": "37"}


@pytest.mark.parametrize(("text", "value"), [("385", 38.5), ("38", 38.0), ("0", None),
                                             ("38.5", 38.5), ("400", 40.0), ("39", 39.0)])
def test_keypad_temperature(text, value):
    assert KeypadTemperature()(text) == value


@pytest.mark.parametrize("text", ["3855", "445", "330", "3", "", "abc"])
def test_keypad_temperature_refused(text):
    assert KeypadTemperature()(text) == Invalid("invalid.keypad_temperature")


@pytest.mark.parametrize(("answers", "signs"), [
    ({"rest": "0"}, ()),
    ({"rest": "1 2 38.9"}, ()),
    ({"rest": "1 2 39"}, (0,)),                       # 0 stands for the temperature
    ({"rest": "3"}, (3,)),
    ({"rest": "7 8 40.1"}, (7, 8, 0)),
    ({"report": {"symptoms": (1, 3), "temperature": None}}, (3,)),
    ({"symptoms": (8,), "temperature": 38.0}, (8,)),  # answered over USSD
    ({"rest": "1 38.5", "danger_symptoms": (1,), "danger_temperature": 38.0}, (1, 0)),
    ({"rest": "3", "danger_symptoms": (7, 8)}, ()),   # as configured
])
def test_danger_signs(answers, signs):
    assert danger_signs(answers) == signs


def test_reading_prefers_the_answer_to_the_text_after_the_keyword():
    assert reading({"rest": "37", "report": {"symptoms": (2,), "temperature": None}}) == {
        "symptoms": (2,), "temperature": None}


def test_describe():
    assert describe((3, 7), 39.5, "vi") == "kho tho, dau nguc, 39.5C"
    assert describe((), 39.0, "en") == "39.0C"
    assert describe((), None, "vi") == "khong trieu chung"


def test_symptoms_extend_the_declaration_and_match_the_configuration():
    assert [symptoms.name(n, "vi") for n in SYMPTOMS if n in (1, 3, 7, 8)] == [
        "Sot", "Kho tho", "Dau nguc", "Lu lan"]
    assert SYMPTOMS[:6] == symptoms.DECLARED and len(SYMPTOMS) == REPORT_SYMPTOMS


def test_the_report_flow_is_registered_and_sound():
    assert problems(FLOWS["report"]) == []
