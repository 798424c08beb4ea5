"""The declaration form is the versioned flow: its fields are the flow's questions,
in the flow's order, read by the flow's parsers. A table of what was typed → what
the form makes of it."""

from __future__ import annotations

import dataclasses

import pytest

from gateway.flows.declaration import self_declaration
from gateway.flows.engine import Act, Ask, Flow, FlowError
from gateway.flows.parsers import Choice
from hotline import form

GOOD = {"name": "Lê Thị Hoa", "birth_year": "1990", "gender": "2", "id_number": "001090012345",
        "insurance": "0", "province": "Hà Nội", "commune": "hoan kiem", "street": "5 Lý Thái Tổ",
        "symptoms": ["1", "3"], "contact": "2", "travel": "1"}


@pytest.fixture
def request_context(app):
    with app.test_request_context("/hotline/declare"):
        yield


def questions(flow: Flow) -> list[str]:
    """The Ask nodes of the form part of a flow, in flow order (following main paths)."""
    names, name = [], form.FORM_START
    while name != form.FORM_STOP:
        node = flow.nodes[name]
        if isinstance(node, Ask):
            names.append(name)
        nxt = node.next if isinstance(node, Ask) else node
        name = nxt if isinstance(nxt, str) else nxt.targets[-1]
    return names


def test_the_fields_are_the_flows_questions_in_order(request_context):
    reading = form.read(self_declaration, {})
    assert [f.name for f in reading.fields] == questions(self_declaration)
    assert [f.kind for f in reading.fields] == [
        "text", "number", "choice", "text", "text", "province", "ward", "text", "multi",
        "choice", "choice"]


@pytest.mark.parametrize(("field", "typed", "error"), [
    ("name", "A", "ít nhất 2 ký tự"),
    ("name", "", "Vui lòng nhập mục này"),
    ("name", "X" * 61, "tối đa 60 ký tự"),
    ("birth_year", "1890", "từ 1900 đến"),
    ("birth_year", "nineteen", "4 chữ số"),
    ("gender", "4", "Chọn một trong các lựa chọn"),
    ("id_number", "123", "CCCD 12 số"),
    ("insurance", "12345", "Số BHYT"),
    ("province", "Atlantis", "Chọn tỉnh/thành phố"),
    ("commune", "zzzzzz", "Không tìm thấy xã/phường"),
    ("symptoms", ["0", "2"], "không chọn cả hai"),
    ("symptoms", [], "không chọn cả hai"),
    ("contact", "3", "Chọn Có hoặc Không"),
])
def test_each_bad_answer_gets_its_message_and_is_kept(request_context, field, typed, error):
    reading = form.read(self_declaration, {**GOOD, field: typed})
    # The first error is this answer's; only the commune may follow (it needs the province).
    assert next(iter(reading.errors)) == field and error in reading.errors[field]
    assert set(reading.errors) <= {field, "commune"}
    assert reading.typed[field] == (typed if field != "symptoms" else list(typed))


@pytest.mark.parametrize(("field", "typed", "answer"), [
    ("province", "HN", {"code": 1, "name": "Thành phố Hà Nội"}),
    ("province", "1", {"code": 1, "name": "Thành phố Hà Nội"}),
    ("id_number", "CCCD 001 090 012 345", {"type": "cccd", "number": "001090012345"}),
    ("id_number", "0", None),
    ("symptoms", ["0"], ()),
    ("symptoms", ["3", "1"], (1, 3)),
    ("travel", "1", True),
    ("gender", "3", "other"),
])
def test_answers_are_read_as_an_sms_reply_would_be(request_context, field, typed, answer):
    assert form.read(self_declaration, {**GOOD, field: typed}).answers[field] == answer


def test_a_bad_province_skips_the_commune_check_with_a_hint(request_context):
    reading = form.read(self_declaration, {**GOOD, "province": ""})
    assert set(reading.errors) == {"province", "commune"}
    assert "câu trước" in reading.errors["commune"]


def test_an_ambiguous_commune_adds_the_pick_question(request_context):
    reading = form.read(self_declaration, {**GOOD, "commune": "phu"})
    names = [f.name for f in reading.fields]
    assert names.index("commune_pick") == names.index("commune") + 1
    assert len(next(f for f in reading.fields if f.name == "commune_pick").options) > 1
    assert "commune_pick" in reading.errors


def test_texts_are_the_inverse_of_read(request_context):
    answers = form.read(self_declaration, GOOD).answers
    again = form.read(self_declaration, form.texts(self_declaration, answers))
    assert again.answers == answers and not again.errors
    assert again.typed["commune"] == "Phường Hoàn Kiếm"


def test_a_new_question_in_the_flow_appears_with_its_sms_prompt(request_context):
    nodes = dict(self_declaration.nodes)
    nodes["travel"] = dataclasses.replace(nodes["travel"], next="vaccinated")
    nodes["vaccinated"] = Ask("decl.relation", Choice({"1": "yes", "2": "no", "3": "maybe"}),
                              "confirm")
    flow = dataclasses.replace(self_declaration, nodes=nodes)
    field = form.read(flow, {}).fields[-1]
    assert field.name == "vaccinated" and field.label.startswith("Quan he voi ban")
    assert field.options == (("1", "Có"), ("2", "Không"), ("3", "3"))


def test_an_action_inside_the_form_is_refused_loudly(request_context):
    nodes = {**self_declaration.nodes, "street": Act("otp.send", {"sent": "symptoms"})}
    with pytest.raises(FlowError):
        form.read(dataclasses.replace(self_declaration, nodes=nodes), GOOD)


def test_labels_follow_the_console_language(app):
    with app.test_request_context("/hotline/declare"):
        from flask import session
        session["lang"] = "en"
        assert form.read(self_declaration, {}).fields[0].label == "Full name"
