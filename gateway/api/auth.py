"""Bearer-token authentication of the records API (RFC 6750): 401 with a
`WWW-Authenticate` challenge without a token, with an unknown or a revoked one; 403
when the token lacks the scope an operation needs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import g, request

from gateway import runtime
from gateway.api.problems import Problem
from gateway.store import areas, tokens
from gateway.store.db import transaction

REALM = "gateway"
MAX_TOKEN = 200  # longer is not one of ours; refuse before hashing megabytes


@dataclass(frozen=True)
class Caller:
    """Who is calling: the token's id (idempotency keys are per token), name, scopes,
    and the area it is limited to (None: everywhere; see gateway.store.areas)."""

    token_id: int
    name: str
    scopes: frozenset[str]
    area: areas.Area | None = None


def _unauthorised(detail: str, error: str | None = None) -> Problem:
    challenge = f'Bearer realm="{REALM}"'
    if error:
        challenge += f', error="{error}", error_description="{detail}"'
    return Problem(401, detail, headers={"WWW-Authenticate": challenge})


def authenticate() -> Caller:
    """The caller of this request, or a 401 problem. Decided once per request: the
    rate limiter (gateway.api.limits) asks first, the view's `requires` again."""
    if "api_caller" not in g:
        try:
            g.api_caller = _authenticate()
        except Problem as problem:
            g.api_caller = problem
    if isinstance(g.api_caller, Problem):
        raise g.api_caller
    return g.api_caller


def _authenticate() -> Caller:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if not header:
        raise _unauthorised("send a token: 'Authorization: Bearer <token>'")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        raise _unauthorised("the Authorization header must be 'Bearer <token>'",
                            "invalid_request")
    if len(secret) > MAX_TOKEN or not secret.isascii():
        raise _unauthorised("the token is not valid", "invalid_token")
    with transaction(runtime.current().sessions) as session:
        token = tokens.authenticate(session, secret)
        if token is None:
            raise _unauthorised("the token is not valid", "invalid_token")
        if token.revoked_at is not None:
            raise _unauthorised("the token was revoked", "invalid_token")
        tokens.touch(session, token)
        return Caller(token.id, token.name, tokens.scopes_of(token),
                      areas.of(session, token_id=token.id))


def requires(scope: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a view: the caller must hold a token with `scope` (`g.caller`)."""
    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            caller = authenticate()
            if scope not in caller.scopes:
                raise Problem(403, f"this token lacks the '{scope}' scope", headers={
                    "WWW-Authenticate": f'Bearer realm="{REALM}", error="insufficient_scope", '
                                        f'scope="{scope}"'})
            g.caller = caller
            return view(*args, **kwargs)
        return wrapper
    return decorator
