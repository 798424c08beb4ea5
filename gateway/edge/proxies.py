"""The client's address behind reverse proxies (`TRUSTED_PROXIES`).

A WSGI middleware with the semantics of Werkzeug's `ProxyFix`, except that trust is
decided by the direct peer's address, not by a configured hop count. With a blind
count anyone who reaches gunicorn directly (around the proxy) could write
`X-Forwarded-For: <any address>` and be believed; here the header counts only when
the connection comes from one of the trusted proxies, and is ignored otherwise.

The client is the rightmost address in `X-Forwarded-For` that is not itself a
trusted proxy (each proxy appends the peer it saw, so addresses to the left of the
first untrusted one were written by the client and prove nothing). It becomes
`REMOTE_ADDR`, so everything keyed by `request.remote_addr` — the USSD allowlist, the
console's per-address sign-in block, the API's rate limit for callers without a
token — sees the real client. `X-Forwarded-Proto` and `X-Forwarded-Host` from a
trusted proxy set the scheme and host of `request.url`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from typing import Any

from gateway.config import Network

PEER_KEY = "gateway.direct_peer"  # the environ key keeping the connection's own address
SCHEMES = ("http", "https")


def address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An IP address, or None for anything else (a name, `unknown`, garbage)."""
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def within(text: str | None, networks: Iterable[Network]) -> bool:
    """Whether the address `text` is in one of `networks` (False for a non-address)."""
    ip = address(text or "")
    if ip is None:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped  # ::ffff:10.0.0.1 from a dual-stack socket is 10.0.0.1
    return any(ip.version == net.version and ip in net for net in networks)


def client_address(peer: str, forwarded_for: str, proxies: tuple[Network, ...]) -> str:
    """The client of a request that came from `peer` with this `X-Forwarded-For`."""
    if not within(peer, proxies):
        return peer
    client = peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if address(hop) is None:
            break  # a malformed hop: believe nothing further left
        client = hop.strip("[]")
        if not within(hop, proxies):
            break
    return client


class TrustedProxies:
    """WSGI middleware: take the client address (and scheme, host) from trusted proxies."""

    def __init__(self, app: Callable[..., Any], proxies: tuple[Network, ...]):
        self.app, self.proxies = app, proxies

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """Rewrite the environ for a request that came through a trusted proxy."""
        peer = environ.get("REMOTE_ADDR", "")
        environ[PEER_KEY] = peer
        if within(peer, self.proxies):
            environ["REMOTE_ADDR"] = client_address(
                peer, environ.get("HTTP_X_FORWARDED_FOR", ""), self.proxies)
            proto = _last(environ.get("HTTP_X_FORWARDED_PROTO", "")).lower()
            if proto in SCHEMES:
                environ["wsgi.url_scheme"] = proto
            host = _last(environ.get("HTTP_X_FORWARDED_HOST", ""))
            if host:
                environ["HTTP_HOST"] = host
        return self.app(environ, start_response)


def _last(header: str) -> str:
    """The value the nearest proxy added (the rightmost of a comma-separated list)."""
    return header.rsplit(",", 1)[-1].strip()
