"""Typed settings read from the environment: each reader returns the value or its
default, or raises ConfigError with one line naming the variable (never a traceback
for a bad setting)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from datetime import time

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class ConfigError(ValueError):
    """A configuration value is missing or malformed; the message names the variable."""


def whole(env: Mapping[str, str], name: str, default: int) -> int:
    """A positive whole number (`default` when unset)."""
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be positive, not {value}")
    return value


def octet(env: Mapping[str, str], name: str) -> int | None:
    """An optional number 0-255 (an SMPP TON or NPI); None when unset."""
    raw = env.get(name)
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number 0-255, not {raw!r}") from None
    if not 0 <= value <= 255:
        raise ConfigError(f"{name} must be 0-255, not {value}")
    return value


def number(env: Mapping[str, str], name: str, default: float) -> float:
    """A positive number, fractions allowed (`default` when unset)."""
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from None
    if not value > 0:
        raise ConfigError(f"{name} must be positive, not {raw!r}")
    return value


def networks(env: Mapping[str, str], name: str) -> tuple[Network, ...]:
    """Addresses or CIDR networks, IPv4 or IPv6, separated by commas or spaces."""
    networks = []
    for part in (p for p in re.split(r"[\s,;]+", env.get(name, "")) if p):
        try:
            networks.append(ipaddress.ip_network(part))
        except ValueError:
            loose = _loose_network(part)
            hint = f"; did you mean {loose}?" if loose else ""
            raise ConfigError(f"{name}: {part!r} is not an address or network such as "
                              f"203.0.113.0/24 or 2001:db8::/32{hint}") from None
    return tuple(networks)


def _loose_network(part: str) -> str | None:
    """The network of an address with host bits set (10.1.2.3/8 -> 10.0.0.0/8): refused
    rather than widened silently, since an allowlist should say exactly what it means."""
    try:
        return str(ipaddress.ip_network(part, strict=False))
    except ValueError:
        return None


def clock(env: Mapping[str, str], name: str, default: time) -> time:
    """A local time of day, 'HH:MM' (or 'HH:MM:SS')."""
    raw = env.get(name)
    if not raw:
        return default
    match = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", raw)
    try:
        if match is None:
            raise ValueError(raw)
        return time(int(match[1]), int(match[2]), int(match[3] or 0))
    except ValueError:
        raise ConfigError(f"{name} must be a time of day such as 08:00, not {raw!r}") from None


def numbers(env: Mapping[str, str], name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    """Whole numbers separated by commas or spaces: '3,7,8'."""
    raw = env.get(name)
    if not raw:
        return default
    parts = [p for p in re.split(r"[\s,;]+", raw) if p]
    if not all(p.isdigit() for p in parts):
        raise ConfigError(f"{name} must be numbers separated by commas, such as 3,7,8, "
                          f"not {raw!r}")
    return tuple(sorted({int(p) for p in parts}))
