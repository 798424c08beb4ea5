"""Fuzzing the records API: schemathesis generates valid and mutated requests (bodies
and parameters outside the document: wrong types, missing and extra fields) for every
operation, sent with a valid token; each generated request is sent again with every
string of its body or query given a NUL or another control character and every
integer pushed beyond the id column. Every answer must be below 500 and nothing may
log a traceback."""

from __future__ import annotations

import json
from typing import Any

import schemathesis
from schemathesis import GenerationMode

from tests.api.conftest import make_token, manager
from tests.api.test_openapi import _document
from tests.fuzzing import fuzz_settings, watch  # noqa: F401

EXAMPLES = 20  # per operation (17); with its mutations a case is ~12 requests: ~4,000
schema = schemathesis.openapi.from_dict(_document())
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
POISON = ("\x00", "\x07", "\x1b", "\x7f", "\ud800")
HUGE = (2**31, -(2**31) - 1, 2**63, 10**40)


def mutations(value: Any, poison: tuple[str, ...] = POISON) -> list[Any]:
    """`value` with one string poisoned or one integer made huge, for each such leaf
    (at most 8), all of them in JSON shapes."""
    found: list[Any] = []

    def walk(node: Any, rebuild) -> None:
        if len(found) >= 8:
            return
        if isinstance(node, bool):
            return
        if isinstance(node, str):
            found.append(rebuild(node[:1] + poison[len(found) % len(poison)] + node[1:]))
        elif isinstance(node, int):
            found.append(rebuild(HUGE[len(found) % len(HUGE)]))
        elif isinstance(node, dict):
            for key, inner in node.items():
                walk(inner, lambda v, k=key: rebuild({**node, k: v}))
        elif isinstance(node, list):
            for index, inner in enumerate(node):
                walk(inner, lambda v, i=index: rebuild([*node[:i], v, *node[i + 1:]]))

    walk(value, lambda v: v)
    return found


@schema.parametrize()
@fuzz_settings(EXAMPLES)
def test_hostile_api_requests_get_no_server_error(case, app, watch):  # noqa: F811
    if not hasattr(app, "_fuzz_token"):  # once per operation, not per example
        manager(app, "manager1")
        app._fuzz_token = make_token(app, "fuzz")
    headers = {"Authorization": f"Bearer {app._fuzz_token}"}
    response = case.call(app=app, headers=headers)
    watch.check(response, f"{case.method} {case.formatted_path} query={case.query!r} "
                          f"body={case.body!r}")
    client = app.test_client()
    path = case.formatted_path
    if isinstance(case.body, dict | list):
        for body in mutations(case.body):
            answer = client.open(path, method=case.method, query_string=case.query,
                                 data=json.dumps(body), content_type="application/json",
                                 headers=headers)
            watch.check(answer, f"{case.method} {path} query={case.query!r} body={body!r}")
    body = json.dumps(case.body) if isinstance(case.body, dict | list | str | int | float) \
        else None
    for query in mutations(case.query or {}, POISON[:-1]):  # a URL cannot carry a surrogate
        query = {k: v if isinstance(v, str | list) else str(v) for k, v in query.items()}
        answer = client.open(path, method=case.method, query_string=query, headers=headers,
                             data=body, content_type="application/json")
        watch.check(answer, f"{case.method} {path} query={query!r} body={body!r}")
