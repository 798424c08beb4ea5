"""Fuzzing the console's forms: every POST route of the hotline blueprint (and every GET
route that reads its query), posted by a
browser signed in with a role the route admits (the operator with a verified caller, so
the declaration form is read for real), with a valid CSRF token and form fields —
the console's own and others — holding hostile values: NUL and other control
characters, huge and negative ids, odd spellings. Every answer must be below 500 and
nothing may log a traceback."""

from __future__ import annotations

import inspect
import re
from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st

from gateway.store.users import ROLES as USER_ROLES
from tests.fuzzing import NUMBER, PHONE, TEXT, VALUE, fuzz_settings, watch  # noqa: F401
from tests.hotline.conftest import CALLER, Console, make_user, make_venue
from tests.hotline.test_call import FORM, verify

EXAMPLES = 300  # each sends a batch of up to 12 requests: about 1,900 in all
# Every field a console form reads (the declaration form's are the flow's questions).
FIELDS = ("action", "case", "code", "end", "start", "lang", "name", "next", "password",
          "phone", "temperature", "username", "venue", "venues", "scopes", "symptoms",
          "display_name", "role", "kind", "province", "ward", "street", "contact", "q",
          "before", "from", "to", "commune", *FORM)
ROLES = USER_ROLES  # every role the store knows: a new one is fuzzed at once
SKIPPED = {"hotline.logout"}  # signing out would leave the rest of the batch signed out


_READS = re.compile(r"""request\.(?:form|args)\.(?:get|getlist)\(["'](\w+)""")


def _post_routes(app) -> list[tuple[str, str, tuple[str, ...], tuple[str, ...]]]:
    """(method, rule, roles admitted, fields its view reads) of every POST route of the
    console, and of every GET route that reads its query."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("hotline.") or rule.endpoint in SKIPPED:
            continue
        view = app.view_functions[rule.endpoint]
        reads = tuple(sorted(set(_READS.findall(inspect.getsource(inspect.unwrap(view))))))
        # Open to anyone (sign-in, language): posted signed out and signed in.
        roles = getattr(view, "roles", ()) or ("anonymous", "operator")
        if "POST" in rule.methods:
            routes.append(("POST", rule.rule, roles, reads or FIELDS))
        elif reads:
            routes.append(("GET", rule.rule, roles, reads))
    return sorted(routes)


def _browsers(app, inbox) -> tuple[dict[str, Console], int]:
    """A signed-in browser per role (and a signed-out one), and the id of a user the
    administrator may change."""
    venue = make_venue(app)
    browsers = {"anonymous": Console(app.test_client())}
    for role in ROLES:
        make_user(app, f"fuzz_{role}", role, phone="+84903000111" if role == "manager"
                  else None, venue_codes=(venue["code"],) if role == "venue_staff" else ())
        browsers[role] = Console(app.test_client())
        assert browsers[role].login(f"fuzz_{role}").status_code == 302
    victim = make_user(app, "fuzz_victim", "operator")
    verify(browsers["operator"], inbox, number=CALLER)
    return browsers, victim


@st.composite
def console_request(draw, routes, victim: int
                    ) -> tuple[str, str, str, dict[str, str | list[str]]]:
    """(method, role, path, form) of one hostile console request: mostly the fields
    its view reads, sometimes any field of the console."""
    method, rule, roles, reads = draw(st.sampled_from(routes))
    role = draw(st.sampled_from(roles))
    path = rule.replace("<int:user_id>", draw(st.one_of(
        st.just(str(victim)), st.integers(0, 2**40).map(str)))).replace(
        "<int:area_id>", draw(st.one_of(st.just("1"), st.integers(0, 2**40).map(str))))
    names = st.sampled_from(reads) if draw(st.integers(0, 4)) else st.sampled_from(FIELDS)
    if method == "GET" or draw(st.booleans()):
        path += "?" + draw(names) + "=" + quote(draw(VALUE))
    form: dict[str, str | list[str]] = {}
    for name in draw(st.lists(names, max_size=8, unique=True)):
        strategy = PHONE if name == "phone" else NUMBER if name in (
            "case", "before", "temperature", "birth_year", "province") else VALUE
        form[name] = draw(st.lists(strategy, min_size=1, max_size=3)) \
            if name in ("symptoms", "scopes", "venues") else draw(strategy)
    if draw(st.integers(0, 9)) == 0:
        form[draw(TEXT)] = draw(VALUE)
    return method, role, path, form


def test_hostile_console_forms_get_no_server_error(app, inbox, watch):  # noqa: F811
    routes = _post_routes(app)
    assert len(routes) >= 15, routes  # the walk reaches every form
    browsers, victim = _browsers(app, inbox)

    @given(batch=st.lists(console_request(routes, victim), min_size=1, max_size=12))
    @fuzz_settings(EXAMPLES)
    def fuzz(batch):
        for method, role, path, form in batch:
            browser = browsers[role]
            response = browser.post(path, form) if method == "POST" else browser.get(path)
            watch.check(response, f"{method} {path} as {role}: {form!r}")

    fuzz()
