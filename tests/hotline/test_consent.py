"""The privacy notice on the console: the operator reads it out and records the
caller's answer (required, never preset); a refusal is recorded with the operator and
ends the declaration with nothing else kept; under a legal basis the notice is read
and the basis recorded, no question."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from gateway import create_app
from gateway import runtime as runtimes
from gateway.flows.consent import notice_hash
from gateway.flows.messages import render
from gateway.store.models import Consent, Declaration
from tests.hotline.conftest import CALLER, Console, audit_entries, make_user, text
from tests.hotline.test_call import FORM, declare, verify

WITHOUT_ANSWER = {k: v for k, v in FORM.items() if k != "consent"}


def consents(app) -> list[Consent]:
    with runtimes.of(app).sessions() as session:
        return list(session.scalars(select(Consent).order_by(Consent.id)))


def declarations(app) -> list[Declaration]:
    with runtimes.of(app).sessions() as session:
        return list(session.scalars(select(Declaration)))


def test_the_form_shows_the_notice_and_asks_with_nothing_preset(operator, inbox):
    verify(operator, inbox)
    page = text(operator.get("/hotline/declare"))
    assert render("consent.hotline", "vi") in page
    assert 'name="consent" value="agree" >' in page and "checked" not in page


def test_an_unanswered_notice_keeps_the_form_and_saves_nothing(app, operator, inbox):
    verify(operator, inbox)
    response = operator.post("/hotline/declare", WITHOUT_ANSWER)
    assert response.status_code == 400
    page = text(response)
    assert 'id="consent-error"' in page and "ghi lại câu trả lời của người gọi" in page
    assert 'value="Nguyễn Văn An"' in page  # what was typed stays
    assert consents(app) == [] and declarations(app) == []


def test_agreement_is_recorded_with_the_operator_and_the_declaration(app, operator, inbox):
    verify(operator, inbox)
    assert "Đã khai báo" in declare(operator)
    [row] = consents(app)
    assert (row.phone, row.channel, row.answer, row.operator) == (
        CALLER, "hotline", "agree", "op1")
    assert row.notice_hash == notice_hash(render("consent.hotline", "vi"))
    assert declarations(app)[0].consent_id == row.id


def test_refusal_is_recorded_and_nothing_else_is_kept(app, operator, inbox):
    verify(operator, inbox)
    response = operator.post("/hotline/declare", {**FORM, "consent": "refuse"})
    assert response.headers["Location"].endswith("/hotline/caller")
    assert "Người gọi không đồng ý" in text(operator.get("/hotline/caller"))
    assert [(c.answer, c.operator) for c in consents(app)] == [("refuse", "op1")]
    assert declarations(app) == []
    # Nothing typed waits to be confirmed or submitted.
    assert operator.get("/hotline/declare/confirm").headers["Location"].endswith(
        "/hotline/declare")
    assert operator.post("/hotline/declare/submit").status_code == 302
    assert declarations(app) == []
    assert "consent.refuse" in [e.action for e in audit_entries(app)]


def test_under_a_legal_basis_the_notice_is_read_without_a_question(app, config, inbox):
    basis_app = create_app(replace(config, consent_mode="legal_basis",
                                   consent_legal_basis="art19_1c"))
    make_user(basis_app, "op2", "operator")
    operator = Console(basis_app.test_client())
    assert operator.login("op2").status_code == 302
    verify(operator, inbox)
    page = text(operator.get("/hotline/declare"))
    assert render("consent.notice", "vi") in page and 'name="consent"' not in page
    assert "Đã khai báo" in declare(operator, WITHOUT_ANSWER)
    [row] = consents(basis_app)
    assert (row.answer, row.legal_basis, row.operator) == ("legal_basis", "art19_1c", "op2")
    assert declarations(basis_app)[0].consent_id == row.id
