"""Parsers for where a person lives: the province (by list number or any spelling of
its name) and the commune or ward within the province answered before."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gateway import addresses
from gateway.flows.parsers import Invalid, Parser
from gateway.text import fold


def place(unit: Any) -> dict[str, Any]:
    """A province or ward as an answer value (JSON-ready)."""
    return {"code": unit.code.value, "name": unit.name}


@dataclass(frozen=True)
class ProvinceName(Parser):
    """A provincial unit: '1'-'34', 'Ha Noi', 'HN', 'tp hcm', 'sai gon', a pre-2025 name."""

    accepts = f"1-{len(addresses.PROVINCES)} or a province name"

    def __call__(self, text: str) -> Any:
        province = addresses.match_province(text)
        if province is None:
            return Invalid("invalid.province", {"count": len(addresses.PROVINCES)})
        return place(province)


@dataclass(frozen=True)
class WardName(Parser):
    """A commune or ward of the province answered under `province_key`. One clear
    match is the answer; several are returned as a tuple of candidates to pick from."""

    province_key: str = "province"
    limit: int = 4
    accepts = "a commune or ward name"

    def __call__(self, text: str) -> Any:
        return Invalid("invalid.ward")

    def read(self, text: str, answers: Mapping[str, Any]) -> Any:
        province = next(p for p in addresses.PROVINCES
                        if p.code.value == answers[self.province_key]["code"])
        matches = addresses.match_wards(province, text, self.limit)
        if not matches:
            return Invalid("invalid.ward")
        return place(matches[0]) if len(matches) == 1 else tuple(place(w) for w in matches)


@dataclass(frozen=True)
class WardPick(Parser):
    """A pick by number among the candidates answered under `candidates_key`, or a
    name that matches exactly one of them."""

    candidates_key: str = "commune"
    accepts = "a number from the list"

    def __call__(self, text: str) -> Any:
        return Invalid("invalid.ward")

    def read(self, text: str, answers: Mapping[str, Any]) -> Any:
        candidates = answers[self.candidates_key]
        key = fold(text)
        if key.isdigit() and 1 <= int(key) <= len(candidates):
            return candidates[int(key) - 1]
        # As typed first: a name may begin with a type word ('Phương Liệt').
        for typed in dict.fromkeys((key, addresses.bare(text))):
            named = [c for c in candidates if addresses.bare(c["name"]) == typed]
            if named:
                return named[0] if len(named) == 1 else Invalid(
                    "invalid.choice", {"choices": f"1-{len(candidates)}"})
        return Invalid("invalid.choice", {"choices": f"1-{len(candidates)}"})


def candidates_list(candidates: tuple[dict[str, Any], ...]) -> str:
    """'1 Phuong Hoan Kiem\\n2 Xa Ba Vi' for a pick prompt."""
    return "\n".join(f"{n} {c['name']}" for n, c in enumerate(candidates, 1))


def province_list() -> str:
    """Every province numbered, without its type word, one a line (a paged USSD menu)."""
    return "\n".join(f"{n} {short_name(p.name)}"
                     for n, p in enumerate(addresses.PROVINCES, 1))


def short_name(name: str) -> str:
    """A unit's name without its type word: 'Thành phố Hà Nội' → 'Hà Nội'."""
    for word in ("Thành phố ", "Tỉnh "):
        if name.startswith(word):
            return name[len(word):]
    return name
