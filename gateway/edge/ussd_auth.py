"""Who may call `POST /ussd`: only the USSD aggregator.

A USSD request names the phone (`phoneNumber`) and the gateway believes it: the
network has identified the subscriber, so a USSD declaration counts as verified and
menu 6 texts a code to that number. Anyone else who could post to `/ussd` could
claim any number, so the aggregator must prove itself in one or both ways that
aggregators support:

* `USSD_BASIC_AUTH=user:password` — HTTP Basic credentials on the callback URL,
  compared in constant time;
* `USSD_ALLOWED_NETWORKS` — the aggregator's source networks; the client address is
  the direct peer, or the one a `TRUSTED_PROXIES` proxy forwarded (gateway.edge.proxies).

With both set both must pass. With neither set only the demo answers (the
configuration refuses to start otherwise; a `Config` built in code without
validation is refused here, so the route fails closed).
"""

from __future__ import annotations

import hmac

from flask import Request

from gateway.config import Config
from gateway.edge.proxies import within


def allowed(config: Config, request: Request) -> bool:
    """Whether this request comes from the configured aggregator."""
    if not (config.ussd_basic_auth or config.ussd_allowed_networks):
        return config.demo
    if config.ussd_basic_auth and not _credentials_match(config.ussd_basic_auth, request):
        return False
    return not (config.ussd_allowed_networks
                and not within(request.remote_addr, config.ussd_allowed_networks))


def _credentials_match(expected: str, request: Request) -> bool:
    auth = request.authorization
    if auth is None or auth.type != "basic":
        return False
    given = f"{auth.username or ''}:{auth.password or ''}".encode()
    # Constant time: the comparison must not tell how much of a guess was right.
    return hmac.compare_digest(given, expected.encode())
