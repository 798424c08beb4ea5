"""Administrative units — the 34 provincial units since 1 July 2025 and their
communes and wards, from the `vietnam-provinces` package — and matching what a
citizen types against them, ignoring case, diacritics and the unit's type word."""

from __future__ import annotations

import difflib
from functools import cache

from vietnam_provinces import Province, Ward

from gateway.text import fold

PROVINCES: tuple[Province, ...] = tuple(sorted(Province.iter_all(), key=lambda p: p.code.value))
_UNIT_WORDS = ("thanh pho ", "tinh ", "tp ", "phuong ", "xa ", "dac khu ", "thi tran ")
_FUZZY_CUTOFF = 0.8

# Short forms people type, and the provinces merged on 1 July 2025 (people still use
# the old names), each mapped to today's provincial unit by its codename.
ALIASES: dict[str, str] = {
    "hn": "ha_noi", "hcm": "ho_chi_minh", "tphcm": "ho_chi_minh", "sai gon": "ho_chi_minh",
    "saigon": "ho_chi_minh", "sg": "ho_chi_minh", "hp": "hai_phong", "ct": "can_tho",
    "thua thien hue": "hue", "tt hue": "hue",
    "ha giang": "tuyen_quang", "yen bai": "lao_cai", "bac kan": "thai_nguyen",
    "vinh phuc": "phu_tho", "hoa binh": "phu_tho", "bac giang": "bac_ninh",
    "thai binh": "hung_yen", "hai duong": "hai_phong", "ha nam": "ninh_binh",
    "nam dinh": "ninh_binh", "quang binh": "quang_tri", "quang nam": "da_nang",
    "kon tum": "quang_ngai", "binh dinh": "gia_lai", "ninh thuan": "khanh_hoa",
    "dak nong": "lam_dong", "binh thuan": "lam_dong", "phu yen": "dak_lak",
    "binh duong": "ho_chi_minh", "ba ria vung tau": "ho_chi_minh", "vung tau": "ho_chi_minh",
    "binh phuoc": "dong_nai", "long an": "tay_ninh", "soc trang": "can_tho",
    "hau giang": "can_tho", "ben tre": "vinh_long", "tra vinh": "vinh_long",
    "tien giang": "dong_thap", "bac lieu": "ca_mau", "kien giang": "an_giang",
}


def bare(name: str) -> str:
    """A unit's name folded, without its type word: 'Thành phố Hà Nội' → 'ha noi'."""
    folded = fold(name)
    for word in _UNIT_WORDS:
        if folded.startswith(word):
            return folded[len(word):]
    return folded


@cache
def _province_names() -> dict[str, Province]:
    by_codename = {p.codename: p for p in PROVINCES}
    names = {bare(p.name): p for p in PROVINCES}
    names.update({bare(p.name).replace(" ", ""): p for p in PROVINCES})
    names.update({alias: by_codename[codename] for alias, codename in ALIASES.items()})
    return names


def province_number(province: Province) -> int:
    """The province's position (1-34) in the list the gateway shows."""
    return PROVINCES.index(province) + 1


def match_province(text: str) -> Province | None:
    """The province a citizen means: by list number (1-34), by name in any spelling
    (`ha noi`, `Hà Nội`, `HN`, `tp hcm`, `sai gon`), by a pre-2025 province name, or
    by a close misspelling. None when nothing matches well enough."""
    key = bare(text)
    if key.isdigit():
        number = int(key)
        return PROVINCES[number - 1] if 1 <= number <= len(PROVINCES) else None
    names = _province_names()
    if key in names:
        return names[key]
    close = difflib.get_close_matches(key, names, n=1, cutoff=_FUZZY_CUTOFF)
    return names[close[0]] if close else None


@cache
def _wards(province_code: int) -> tuple[tuple[str, str, Ward], ...]:
    """(bare name, folded full name, ward) of every commune/ward of a province."""
    code = next(p.code for p in PROVINCES if p.code.value == province_code)
    return tuple(sorted(((bare(w.name), fold(w.name), w) for w in Ward.iter_by_province(code)),
                        key=lambda row: row[0]))


def match_wards(province: Province, text: str, limit: int = 4) -> list[Ward]:
    """The communes/wards of `province` that best match `text`: exact names first,
    then names that start with or contain it, then close misspellings.

    The text is tried as typed and without a leading type word, because a type word
    can also begin a name: 'phuong son' is Phường Phượng Sơn, not Sơn."""
    keys = list(dict.fromkeys(k for k in (fold(text), bare(text)) if k))
    if not keys:
        return []
    wards = _wards(province.code.value)
    for key in keys:
        exact = [w for name, full, w in wards if key in (name, full)]
        if exact:
            return exact[:limit]
    for key in keys:
        partial = [w for name, _, w in wards if name.startswith(key)]
        partial += [w for name, _, w in wards if key in name and w not in partial]
        if partial:
            return partial[:limit]
    names = [name for name, _, _ in wards]
    close = difflib.get_close_matches(keys[-1], names, n=limit, cutoff=_FUZZY_CUTOFF)
    return [w for c in close for name, _, w in wards if name == c][:limit]


def ward_by_code(code: int) -> Ward:
    """A ward by its official code."""
    return next(w for w in Ward.iter_all() if w.code.value == code)
