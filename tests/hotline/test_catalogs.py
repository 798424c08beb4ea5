"""The console's gettext catalogs: every key the code and templates use is translated in
both languages, with the same placeholders; counted texts are plural entries; the
compiled `.mo` files match their `.po`."""

from __future__ import annotations

import ast
import re
import shutil
import string
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from gateway.flows import exposure as exposure_flow
from gateway.privacy.deadlines import KINDS as REQUEST_KINDS
from gateway.quarantine import residents
from gateway.quarantine.enrol import KINDS as CASE_KINDS
from gateway.store.users import ROLES
from gateway.store.venues import KINDS as VENUE_KINDS
from hotline import audit_words, catalogs, dashboard_tables, lists

ROOT = Path(catalogs.__file__).parent
LANGUAGES = catalogs.LANGUAGES
KEY = re.compile(r"^[a-z_]+(?:\.[a-z0-9_]+)+$")
TRANSLATE = ("t", "tn", "say", "say_n")
COUNTED = ("tn", "say_n")

# Keys built at run time from a value: each prefix the code joins a value to, and every
# value it can join. A test below finds every such call in the code, so a new one must
# be listed here (and then its keys are checked like the others).
FAMILIES: dict[str, tuple[str, ...]] = {
    "role.": ROLES,
    "kind.": tuple(CASE_KINDS),
    "venue.kind.": VENUE_KINDS,
    "risk.": ("low", "high"),
    "status.": ("active", "closed"),
    "case.status.": ("active", "closed"),
    "case.reopen.": ("not_closed", "ended", "before_start", "overlap"),
    "dash.channel.": dashboard_tables.CHANNELS,
    "dash.risk.": dashboard_tables.RISKS,
    "dash.compliance.": dashboard_tables.COMPLIANCE_ROWS,
    "privacy.kind.": REQUEST_KINDS,
    "privacy.outcome.": ("done", "partial", "refused"),
    "privacy.closed_": ("done", "refused"),
    "staff.": ("checked_in", "repeated"),
    "call.code_": ("expired", "locked", "malformed"),
    "admin.user_": ("deactivate", "activate", "unlock", "password", "area"),
    "list.search_hint.": tuple(name for name, listing in lists.LISTINGS.items()
                               if isinstance(listing, lists.Listing)),
    "audit.action.": audit_words.ACTIONS,
    "audit.word.": audit_words.WORDS,
    "expo.status.": ("review", "notified"),
    "expo.answer.": tuple(exposure_flow.ANSWERS.options.values()),
    "team.relation.": residents.RELATIONS,
    "team.error.": ("name", "birth_year", "address", "required", "dates", "past", "manager",
                    "duplicate", "relation", "phone", "area"),
}
# Keys the console reads only if the catalogs have them (else it shows the SMS prompt):
# a question's label and hint, a choice's words, an invalid answer's console wording.
OPTIONAL = ("label.", "hint.", "option.", "form.")


def _catalog(language: str):
    path = catalogs.DIRECTORY / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


CATALOGS = {language: _catalog(language) for language in LANGUAGES}


def _messages(language: str) -> dict[str, object]:
    return {m.id if isinstance(m.id, str) else m.id[0]: m
            for m in CATALOGS[language] if m.id}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _forms(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


# --- what the code uses ----------------------------------------------------------------

def _extracted() -> dict[str, set[str]]:
    """Keys named literally in t/tn/say/say_n calls, by the function that reads them:
    templates through Babel's Jinja extractor (as `pybabel extract` reads babel.cfg),
    Python by its syntax tree, which also reads both keys of `t("a" if x else "b")`."""
    keywords = {"t": None, "tn": (1, 1)}
    used: dict[str, set[str]] = {"t": set(), "tn": set()}
    for _, _, message, _, _ in extract_from_dir(str(ROOT / "templates"),
                                                [("**.html", "jinja2")], keywords=keywords):
        if isinstance(message, tuple):
            used["tn"].add(message[0])
        else:
            used["t"].add(message)
    for path in _python_sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            key = _key_argument(node, path)
            if key is not None:
                counted = "tn" if _callee(node) in COUNTED else "t"
                used[counted] |= set(_constants(key))
    return used


def _key_argument(node, path: Path):
    """The key argument of a translating call (catalogs.say takes the language first)."""
    if not (isinstance(node, ast.Call) and _callee(node) in TRANSLATE and node.args):
        return None
    language_first = path.name == "catalogs.py" or getattr(
        getattr(node.func, "value", None), "id", "") == "catalogs"
    index = 1 if language_first and _callee(node) in ("say", "say_n") else 0
    return node.args[index] if len(node.args) > index else None


def _constants(node) -> list[str]:
    """The string keys an argument can be: a literal, or either side of a condition."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _constants(node.body) + _constants(node.orelse)
    return []


def _python_sources() -> list[Path]:
    return sorted(ROOT.rglob("*.py"))


def _templates() -> list[Path]:
    return sorted((ROOT / "templates").rglob("*.html"))


def _indirect() -> set[str]:
    """Keys held in a variable before a t() call: the key-like strings of a function
    that translates a variable, of a list's title and headings, and the quoted keys of
    templates (`('list.previous', …)`), where their namespace is the catalogs'."""
    namespaces = {key.split(".")[0] for key in _messages("vi")}
    found: set[str] = set()
    for path in _python_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if isinstance(function, (ast.FunctionDef, ast.Lambda)) and _translates_a_name(
                    function):
                found |= _key_strings(function)
            if isinstance(function, ast.Call) and getattr(function.func, "id", "") in (
                    "Listing", "Computed"):
                found |= _key_strings(function)
    for path in _templates():
        found |= set(re.findall(r"'([a-z_]+(?:\.[a-z0-9_]+)+)'", path.read_text("utf-8")))
    return {key for key in found if key.split(".")[0] in namespaces
            and key not in audit_words.ACTIONS and not key.startswith(OPTIONAL)}


def _translates_a_name(function) -> bool:
    return any(isinstance(node, ast.Call) and _callee(node) in TRANSLATE and node.args
               and isinstance(node.args[-1] if _callee(node) == "say" else node.args[0],
                              ast.Name) for node in ast.walk(function))


def _callee(call: ast.Call) -> str:
    return getattr(call.func, "id", None) or getattr(call.func, "attr", "")


def _key_strings(node) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant)
            and isinstance(n.value, str) and KEY.match(n.value)}


def _built_prefixes() -> set[str]:
    """The prefix of every key built at run time: t(f"role.{…}"), t('role.' ~ …)."""
    prefixes = set()
    for path in _python_sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and _callee(node) in (*TRANSLATE, "_text")
                    and node.args and isinstance(node.args[0], ast.JoinedStr)):
                first = node.args[0].values[0]
                prefixes.add(first.value if isinstance(first, ast.Constant) else "")
    for path in _templates():
        prefixes |= set(re.findall(r"\bt\('([a-z_.]*)' ~", path.read_text("utf-8")))
    return prefixes


def _family_keys() -> set[str]:
    return {prefix + value for prefix, values in FAMILIES.items() for value in values}


USED = _extracted()


# --- the tests ---------------------------------------------------------------------------

def test_the_extraction_finds_the_console():
    assert {"app.name", "nav.roster", "roster.title", "auth.title"} <= USED["t"]
    assert {"roster.missed", "export.ready", "auth.wrong", "call.code_wrong"} <= USED["tn"]
    assert {"list.previous", "list.next", "checkin.repeated", "col.name"} <= _indirect()


def test_every_key_built_at_run_time_is_a_listed_family():
    unlisted = _built_prefixes() - set(FAMILIES) - {p for p in _built_prefixes()
                                                    if p.startswith(OPTIONAL)}
    assert unlisted == set(), "list these in FAMILIES with every value they can take"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_key_the_console_uses_is_translated(language):
    messages = _messages(language)
    wanted = USED["t"] | USED["tn"] | _indirect() | _family_keys()
    missing = sorted(key for key in wanted if key not in messages
                     and not key.startswith(OPTIONAL))
    assert missing == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_counted_keys_are_plural_entries_and_others_are_not(language):
    messages = _messages(language)
    assert sorted(k for k in USED["tn"] if not messages[k].pluralizable) == []
    singular = USED["t"] | _family_keys()
    assert sorted(k for k in singular if k in messages and messages[k].pluralizable) == []


def test_both_catalogs_hold_the_same_keys_non_empty_with_the_same_placeholders():
    vi, en = _messages("vi"), _messages("en")
    assert set(vi) == set(en)
    for key in vi:
        texts = _forms(vi[key]) + _forms(en[key])
        assert all(text.strip() for text in texts), key
        assert all(_fields(text) == _fields(texts[0]) for text in texts), key


def test_plural_forms_are_one_in_vietnamese_and_two_in_english():
    assert CATALOGS["vi"].num_plurals == 1 and CATALOGS["en"].num_plurals == 2
    assert CATALOGS["en"].plural_expr == "(n != 1)"
    plural = [m for m in _messages("en").values() if m.pluralizable]
    assert plural and all(len(m.string) == 2 and m.string[0] != m.string[1] for m in plural)
    assert all(len(_messages("vi")[m.id[0]].string) == 1 for m in plural)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalog_matches_its_po(language):
    """The `.mo` the console loads is committed; it must say what the `.po` says
    (after editing a `.po`, run `pybabel compile -d hotline/translations`)."""
    path = catalogs.DIRECTORY / language / "LC_MESSAGES" / "messages.mo"
    with path.open("rb") as handle:
        compiled = {_hashable(m.id): _hashable(m.string) for m in read_mo(handle) if m.id}
    source = {_hashable(m.id): _hashable(m.string) for m in CATALOGS[language]
              if m.id and not m.fuzzy}
    assert compiled == source


@pytest.mark.parametrize(("language", "n", "expected"), [
    ("en", 1, "1 day missed"), ("en", 2, "2 days missed"), ("en", 0, "0 days missed"),
    ("vi", 1, "1 ngày chưa báo cáo"), ("vi", 5, "5 ngày chưa báo cáo"),
])
def test_a_counted_text_agrees_with_its_count(language, n, expected):
    assert catalogs.say_n(language, "roster.missed", n, days=n) == expected


def test_venue_staff_get_the_visitor_wording_where_there_is_one():
    assert catalogs.variant("call.end", "venue_staff") == "call.end.staff"
    assert catalogs.variant("call.end", "operator") == "call.end"
    assert catalogs.variant("nav.roster", "venue_staff") == "nav.roster"
    assert catalogs.say("en", "call.end.staff") == "Done"


def test_an_unknown_key_is_not_in_the_catalogs():
    assert catalogs.has("roster.title") and not catalogs.has("roster.no_such_key")
    assert catalogs.say("vi", "roster.no_such_key") == "roster.no_such_key"


def _hashable(value):
    return tuple(value) if isinstance(value, list | tuple) else value


def _pybabel(*args: str, cwd: Path) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], cwd=cwd,
                   check=True, capture_output=True)


def test_the_readme_commands_compile_and_extract_the_catalogs(tmp_path):
    """`pybabel compile` makes the committed `.mo` files from the `.po`; `pybabel
    extract` with babel.cfg lists the literal keys, counted ones as plural entries."""
    shutil.copytree(catalogs.DIRECTORY, tmp_path / "translations")
    for mo in (tmp_path / "translations").rglob("*.mo"):
        mo.unlink()
    _pybabel("compile", "-d", str(tmp_path / "translations"), cwd=ROOT.parent)
    for language in LANGUAGES:
        made = tmp_path / "translations" / language / "LC_MESSAGES" / "messages.mo"
        with made.open("rb") as handle:
            assert {m.id: m.string for m in read_mo(handle) if m.id and
                    isinstance(m.id, str)}["nav.roster"] == catalogs.say(
                        language, "nav.roster")
    pot = tmp_path / "messages.pot"
    _pybabel("extract", "-F", "babel.cfg", "-k", "t", "-k", "tn:1,1", "-k", "say", "-k",
             "say_n:1,1", "-o", str(pot), ".", cwd=ROOT.parent)
    with pot.open("rb") as handle:
        template = {m.id if isinstance(m.id, str) else m.id[0]: m for m in read_po(handle)}
    assert "app.name" in template and template["roster.missed"].pluralizable
