"""Rate limits of the records API (Flask-Limiter): `API_RATE_LIMIT` per token.

One shared budget per caller across every records operation: the caller is the
token's id once it authenticates, otherwise the client address (so guessing tokens
is limited per address). The counters live in the app's own Redis — the limiter
borrows the connection pool of the runtime, so it follows whatever Redis the rest
of the gateway uses — and in memory in the demo.

Only the records blueprints are limited: webhooks, the console, `/healthz` and
`/metrics` never reach the limiter's storage. Over the limit the answer is a 429
problem with `Retry-After`. If Redis is down the limiter counts in process memory
until it is back (and never turns an API request into a 500).
"""

from __future__ import annotations

import time

from flask import Blueprint, Flask, Response, current_app, request
from flask_limiter import Limiter, RateLimitExceeded

from gateway import runtime
from gateway.api import auth, problems
from gateway.api.problems import Problem

SCOPE = "api"  # one budget shared by every records operation
KEY_PREFIX = "ratelimit"  # the Redis keys: ratelimit:LIMITER/token:7/api/…
EXTENSION = "api_limiter"
DEFAULT_WAIT = 60  # seconds, when the window's end cannot be read


def caller_key() -> str:
    """Whom a request counts against: its token, or the client address without one."""
    try:
        return f"token:{auth.authenticate().token_id}"
    except Problem:  # no token, or not a valid one: the view answers 401 itself
        return f"address:{request.remote_addr}"


def init_app(app: Flask, blueprints: list[Blueprint]) -> Limiter:
    """Limit the API's `blueprints` on `app` to the configured rate per caller."""
    rt = runtime.of(app)
    if rt.config.demo:
        storage = {"storage_uri": "memory://"}
    else:
        storage = {"storage_uri": "redis://",
                   "storage_options": {"connection_pool": rt.redis.connection_pool,
                                       "key_prefix": KEY_PREFIX}}
    # A fixed window costs one INCR per request; bursts at a window's edge are fine here.
    limiter = Limiter(caller_key, app=app, strategy="fixed-window",
                      headers_enabled=False, swallow_errors=True,
                      in_memory_fallback_enabled=True, **storage)
    shared = limiter.shared_limit(rt.config.api_rate_limit, scope=SCOPE)
    for blueprint in blueprints:
        shared(blueprint)
    limited = {blueprint.name for blueprint in blueprints}
    # Everything else is exempt before the limiter looks at anything: while Redis is
    # down it would otherwise ping it on other routes' requests to see if it is back.
    limiter.request_filter(lambda: request.blueprint not in limited)
    app.extensions[EXTENSION] = limiter
    app.register_error_handler(RateLimitExceeded, too_many_requests)
    return limiter


def too_many_requests(error: RateLimitExceeded) -> Response:
    """429 as a problem, with `Retry-After` (seconds until the window resets)."""
    limiter: Limiter = current_app.extensions[EXTENSION]
    try:
        reset_at = limiter.current_limit.reset_at  # one more read of the counter
    except Exception:  # Redis went away since the hit: a 429 all the same, never a 500
        reset_at = time.time() + DEFAULT_WAIT
    wait = max(1, int(reset_at - time.time()))
    return problems.response(Problem(
        429, f"too many requests: at most {error.limit.limit} for this caller; "
             f"retry in {wait} s", headers={"Retry-After": str(wait)}))
