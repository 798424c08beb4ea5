"""The one symptom table: every channel's symptom list is read from it, and no symptom
name is written anywhere else."""

import ast
import pathlib
import re

import pytest

import gateway.dialogue.router  # noqa: F401  (loads every module that defines templates)
from gateway.config import REPORT_SYMPTOMS
from gateway.flows import symptoms
from gateway.flows.messages import CATALOGUE, render
from gateway.flows.report import describe

ROOT = pathlib.Path(__file__).resolve().parents[2]
LANGUAGES = ("vi", "en")


def test_the_table_numbers_the_declaration_then_the_danger_signs():
    assert symptoms.REPORTED == (1, 2, 3, 4, 5, 6, 7, 8)
    assert len(symptoms.REPORTED) == REPORT_SYMPTOMS
    assert symptoms.DECLARED == (1, 2, 3, 4, 5, 6)
    assert symptoms.DANGER == (3, 7, 8)
    assert symptoms.console(3, "vi") == "Khó thở"
    assert symptoms.console(6, "en") == "Loss of taste or smell"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_sms_and_ussd_list_is_the_table(language):
    declared = CATALOGUE["decl.symptoms"].text(language)
    report_menu = CATALOGUE["report.symptoms"].text(language)
    one_line = [CATALOGUE[key].text(language) for key in ("report.ask", "quarantine.reminder")]
    for n in symptoms.REPORTED:
        assert f"{n} {symptoms.name(n, language)}" in report_menu.splitlines()
        brief = symptoms.BY_NUMBER[n].brief[0 if language == "vi" else 1]
        assert all(f"{n} {brief}" in text for text in one_line)
        if n in symptoms.DECLARED:
            assert f"{n} {symptoms.name(n, language)}" in declared
        else:
            assert f"{n} " not in declared.split("?")[1]


@pytest.mark.parametrize("language", LANGUAGES)
def test_replies_use_the_short_names(language):
    said = describe((3, 7), 39.5, language)
    assert said == f"{symptoms.short(3, language)}, {symptoms.short(7, language)}, 39.5C"
    assert render("report.symptoms", language, channel="ussd").isascii()


def _sources():
    """(path, text) of every source but the table: a Python module's string literals
    (docstrings left out: they may give an example), templates and catalogs whole."""
    for folder in ("gateway", "hotline"):
        for path in (ROOT / folder).rglob("*"):
            if path.name == "symptoms.py" or path.suffix not in (".py", ".html", ".po"):
                continue
            text = path.read_text(encoding="utf-8")
            if path.suffix == ".py":
                text = "\n".join(_literals(ast.parse(text)))
            yield path, text


def _literals(tree):
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings]


def test_no_symptom_name_is_written_outside_the_table():
    """The names that only a symptom list would contain ('Kho tho', 'Khó thở', 'Loss of
    taste', 'Chest pain'…) appear in no other source, template or catalog."""
    names = set()
    for symptom in symptoms.TABLE:
        if symptom.number in (1, 2):
            continue  # 'Ho' and 'Sot' are also ordinary words ('Ho ten', 'Hotline')
        for pair in (symptom.name, symptom.console):
            names.update(pair)
    pattern = re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)),
                         re.IGNORECASE)
    found = [(str(path.relative_to(ROOT)), match.group())
             for path, text in _sources() for match in pattern.finditer(text)]
    assert found == []
