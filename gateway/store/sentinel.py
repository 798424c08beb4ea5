"""Redis Sentinel addresses: `REDIS_URL=redis+sentinel://…` parsed into what redis-py's
`Sentinel(...).master_for(...)` needs.

    redis+sentinel://[:password@]host1:26379,host2:26379,host3:26379/mymaster[/db]
                     [?sentinel_password=…]

The password (if any) is the Redis servers' (`requirepass`/`masterauth`); sentinels
that require one of their own take `sentinel_password`. The database number defaults
to 0. Pure parsing, no connection: `Config.validate` uses it to refuse a bad URL at
start, `gateway.store.redis.connect` to build the client.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

SCHEME = "redis+sentinel://"
DEFAULT_PORT = 26379


@dataclass(frozen=True)
class SentinelAddress:
    """Where the sentinels are and which master they watch."""

    sentinels: tuple[tuple[str, int], ...]
    service: str
    db: int = 0
    password: str | None = None
    sentinel_password: str | None = None


def is_sentinel(url: str) -> bool:
    """Whether `url` names sentinels rather than one Redis server."""
    return url.startswith(SCHEME)


def parse(url: str) -> SentinelAddress:
    """Parse a `redis+sentinel://` URL; ValueError with the reason when it is malformed
    (the message never repeats the URL: it may hold a password)."""
    if not is_sentinel(url):
        raise ValueError(f"a sentinel URL starts with {SCHEME}")
    parts = urlsplit(url)
    credentials, _, hosts = parts.netloc.rpartition("@")
    password = unquote(credentials.partition(":")[2]) if credentials else None
    sentinels = tuple(_host(h) for h in hosts.split(",") if h.strip())
    if not sentinels:
        raise ValueError("no sentinel host:port is given")
    path = [p for p in parts.path.split("/") if p]
    if not path or len(path) > 2:
        raise ValueError("the path must be the master's name and optionally a database "
                         "number: /mymaster/0")
    if len(path) == 2 and not path[1].isdigit():
        raise ValueError(f"the database must be a number, not {path[1]!r}")
    query = parse_qs(parts.query)
    unknown = set(query) - {"sentinel_password"}
    if unknown:
        raise ValueError(f"unknown option {sorted(unknown)[0]!r} (only sentinel_password)")
    return SentinelAddress(sentinels, unquote(path[0]), int(path[1]) if len(path) == 2 else 0,
                           password or None, (query.get("sentinel_password") or [None])[0])


def _host(text: str) -> tuple[str, int]:
    host, colon, port = text.strip().rpartition(":")
    if not colon:
        host, port = port, str(DEFAULT_PORT)
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"sentinel {text.strip()!r} is not host:port")
    return host.strip("[]"), int(port)
