"""Administrative units: the 34 provincial units since 1 July 2025, matched by number,
by name in any spelling, by a short form or a pre-2025 name, and their communes and
wards matched by name within a province. Pure tables, no services."""

import pytest
from vietnam_provinces import Ward

from gateway import addresses
from gateway.addresses import ALIASES, PROVINCES, match_province, match_wards, province_number
from gateway.flows.places import short_name

# Every provincial unit since 1 July 2025, in list order (1-34): its name typed without
# diacritics or type word, and its codename in the package.
PROVINCE_NAMES = [
    ("ha noi", "ha_noi"), ("cao bang", "cao_bang"), ("tuyen quang", "tuyen_quang"),
    ("dien bien", "dien_bien"), ("lai chau", "lai_chau"), ("son la", "son_la"),
    ("lao cai", "lao_cai"), ("thai nguyen", "thai_nguyen"), ("lang son", "lang_son"),
    ("quang ninh", "quang_ninh"), ("bac ninh", "bac_ninh"), ("phu tho", "phu_tho"),
    ("hai phong", "hai_phong"), ("hung yen", "hung_yen"), ("ninh binh", "ninh_binh"),
    ("thanh hoa", "thanh_hoa"), ("nghe an", "nghe_an"), ("ha tinh", "ha_tinh"),
    ("quang tri", "quang_tri"), ("hue", "hue"), ("da nang", "da_nang"),
    ("quang ngai", "quang_ngai"), ("gia lai", "gia_lai"), ("khanh hoa", "khanh_hoa"),
    ("dak lak", "dak_lak"), ("lam dong", "lam_dong"), ("dong nai", "dong_nai"),
    ("ho chi minh", "ho_chi_minh"), ("tay ninh", "tay_ninh"), ("dong thap", "dong_thap"),
    ("vinh long", "vinh_long"), ("an giang", "an_giang"), ("can tho", "can_tho"),
    ("ca mau", "ca_mau"),
]
WARD_TYPES = ("Phường ", "Xã ", "Đặc khu ")
CITIES = {"ha_noi", "hai_phong", "hue", "da_nang", "ho_chi_minh", "can_tho"}

# Short forms people type.
SHORT_FORMS = [
    ("HN", "ha_noi"), ("hn", "ha_noi"), ("tp hcm", "ho_chi_minh"), ("TP.HCM", "ho_chi_minh"),
    ("tphcm", "ho_chi_minh"), ("TPHCM", "ho_chi_minh"), ("Tp. HCM", "ho_chi_minh"),
    ("hcm", "ho_chi_minh"), ("sai gon", "ho_chi_minh"), ("Sài Gòn", "ho_chi_minh"),
    ("saigon", "ho_chi_minh"), ("SG", "ho_chi_minh"), ("hochiminh", "ho_chi_minh"),
    ("tp ho chi minh", "ho_chi_minh"), ("hp", "hai_phong"), ("ct", "can_tho"),
    ("thua thien hue", "hue"), ("Thừa Thiên Huế", "hue"), ("tt hue", "hue"),
    ("TT-Huế", "hue"), ("daklak", "dak_lak"),
]

# The provinces merged on 1 July 2025 (Resolution 202/2025/QH15), each with the unit
# it is part of today; people still write the old names.
MERGED = [
    ("ha giang", "tuyen_quang"), ("yen bai", "lao_cai"), ("bac kan", "thai_nguyen"),
    ("vinh phuc", "phu_tho"), ("hoa binh", "phu_tho"), ("bac giang", "bac_ninh"),
    ("thai binh", "hung_yen"), ("hai duong", "hai_phong"), ("ha nam", "ninh_binh"),
    ("nam dinh", "ninh_binh"), ("quang binh", "quang_tri"), ("quang nam", "da_nang"),
    ("kon tum", "quang_ngai"), ("binh dinh", "gia_lai"), ("ninh thuan", "khanh_hoa"),
    ("dak nong", "lam_dong"), ("binh thuan", "lam_dong"), ("phu yen", "dak_lak"),
    ("binh duong", "ho_chi_minh"), ("ba ria vung tau", "ho_chi_minh"),
    ("vung tau", "ho_chi_minh"), ("binh phuoc", "dong_nai"), ("long an", "tay_ninh"),
    ("soc trang", "can_tho"), ("hau giang", "can_tho"), ("ben tre", "vinh_long"),
    ("tra vinh", "vinh_long"), ("tien giang", "dong_thap"), ("bac lieu", "ca_mau"),
    ("kien giang", "an_giang"),
]
MERGED_ACCENTED = [
    ("Bình Dương", "ho_chi_minh"), ("Bà Rịa - Vũng Tàu", "ho_chi_minh"),
    ("Bà Rịa – Vũng Tàu", "ho_chi_minh"), ("Tỉnh Quảng Nam", "da_nang"),
    ("Đắk Nông", "lam_dong"), ("Bắc Kạn", "thai_nguyen"), ("Hà Giang", "tuyen_quang"),
    ("BẠC LIÊU", "ca_mau"), ("Kiên Giang", "an_giang"), ("tinh long an", "tay_ninh"),
]

MISSPELT = [
    ("ha nol", "ha_noi"), ("ha noii", "ha_noi"), ("cao bangg", "cao_bang"),
    ("ho chi mihn", "ho_chi_minh"), ("quang ninhh", "quang_ninh"), ("dak lac", "dak_lak"),
    ("hai phongg", "hai_phong"), ("can tto", "can_tho"), ("binh duongg", "ho_chi_minh"),
    ("kien gian", "an_giang"),
]
NONSENSE = ["xyz", "", "   ", "?", "1 2", "0", "35", "100", "tp", "ha noi ho chi minh",
            "qwerty asdf"]


def unit(codename: str):
    """The provincial unit with this codename."""
    return next(p for p in PROVINCES if p.codename == codename)


def names(wards) -> list[str]:
    return [w.name for w in wards]


def test_the_list_has_34_units_in_code_order():
    assert len(PROVINCES) == 34
    codes = [p.code.value for p in PROVINCES]
    assert codes == sorted(codes) and len(set(codes)) == 34
    assert [p.codename for p in PROVINCES] == [codename for _, codename in PROVINCE_NAMES]


def test_province_number_and_the_list_agree():
    for number, province in enumerate(PROVINCES, 1):
        assert province_number(province) == number
        assert match_province(str(number)) is province


@pytest.mark.parametrize(("number", "codename"), [
    ("1", "ha_noi"), ("13", "hai_phong"), ("20", "hue"), ("21", "da_nang"),
    ("28", "ho_chi_minh"), ("33", "can_tho"), ("34", "ca_mau"),
    (" 7 ", "lao_cai"), ("07", "lao_cai"), ("7.", "lao_cai"),
])
def test_province_by_list_number(number, codename):
    assert match_province(number) is unit(codename)


@pytest.mark.parametrize("number", ["0", "35", "00", "99"])
def test_province_number_out_of_range(number):
    assert match_province(number) is None


@pytest.mark.parametrize(("name", "codename"), PROVINCE_NAMES)
def test_province_by_unaccented_name(name, codename):
    assert match_province(name) is unit(codename)
    assert match_province(name.upper()) is unit(codename)
    assert match_province(f"  {name}. ") is unit(codename)


@pytest.mark.parametrize(("name", "codename"), PROVINCE_NAMES)
def test_province_with_its_type_word(name, codename):
    kind = "thanh pho" if codename in CITIES else "tinh"
    assert match_province(f"{kind} {name}") is unit(codename)
    assert match_province(f"{kind.title()} {name.title()}") is unit(codename)
    if codename in CITIES:
        assert match_province(f"tp {name}") is unit(codename)
        assert match_province(f"TP. {name}") is unit(codename)


@pytest.mark.parametrize("province", PROVINCES, ids=lambda p: p.codename)
def test_province_by_accented_name(province):
    assert match_province(province.name) is province           # 'Thành phố Hà Nội'
    assert match_province(short_name(province.name)) is province  # 'Hà Nội'
    assert match_province(province.name.upper()) is province


def test_the_six_cities_carry_their_type_word():
    assert {p.codename for p in PROVINCES if p.name.startswith("Thành phố ")} == CITIES
    assert all(addresses.bare(p.name) == name
               for p, (name, _) in zip(PROVINCES, PROVINCE_NAMES, strict=True))


@pytest.mark.parametrize(("text", "codename"), SHORT_FORMS)
def test_province_by_short_form(text, codename):
    assert match_province(text) is unit(codename)


@pytest.mark.parametrize(("text", "codename"), MERGED + MERGED_ACCENTED)
def test_pre_2025_province_maps_to_todays_unit(text, codename):
    assert match_province(text) is unit(codename)


def test_every_alias_is_tested():
    """A new alias needs a row in SHORT_FORMS or MERGED, and every merged province
    of 2025 has its alias."""
    tested = {addresses.bare(text): codename for text, codename in SHORT_FORMS + MERGED}
    assert set(ALIASES) <= set(tested)
    assert {name for name, _ in MERGED} <= set(ALIASES)
    assert all(ALIASES[alias] == tested[alias] for alias in ALIASES)


def test_aliases_never_shadow_a_current_name():
    current = {name for name, _ in PROVINCE_NAMES}
    assert not current & set(ALIASES)


@pytest.mark.parametrize(("text", "codename"), MISSPELT)
def test_province_small_misspelling(text, codename):
    assert match_province(text) is unit(codename)


@pytest.mark.parametrize("text", NONSENSE)
def test_province_nonsense(text):
    assert match_province(text) is None


# Wards: (province, what is typed, the one ward it means).
EXACT_WARDS = [
    ("ha_noi", "hoan kiem", "Phường Hoàn Kiếm"),
    ("ha_noi", "ba vi", "Xã Ba Vì"),
    ("ha_noi", "cau giay", "Phường Cầu Giấy"),
    ("ha_noi", "ba dinh", "Phường Ba Đình"),
    ("ho_chi_minh", "ben thanh", "Phường Bến Thành"),
    ("ho_chi_minh", "sai gon", "Phường Sài Gòn"),
    ("ho_chi_minh", "thu duc", "Phường Thủ Đức"),
    ("da_nang", "hai chau", "Phường Hải Châu"),
    # Names whose first word folds to a type word ('Phương', 'Phượng', 'Tĩnh', 'Tịnh'):
    ("ha_noi", "phuong liet", "Phường Phương Liệt"),
    ("ha_noi", "Phượng Dực", "Xã Phượng Dực"),
    ("bac_ninh", "phuong son", "Phường Phượng Sơn"),
    ("thanh_hoa", "tinh gia", "Phường Tĩnh Gia"),
    ("an_giang", "Tịnh Biên", "Phường Tịnh Biên"),
]
TYPE_WORD_WARDS = [
    ("ha_noi", "phuong hoan kiem", "Phường Hoàn Kiếm"),
    ("ha_noi", "Phường Hoàn Kiếm", "Phường Hoàn Kiếm"),
    ("ha_noi", "PHUONG HOAN KIEM", "Phường Hoàn Kiếm"),
    ("ha_noi", "  hoàn   kiếm. ", "Phường Hoàn Kiếm"),
    ("ha_noi", "xa ba vi", "Xã Ba Vì"),
    ("ha_noi", "Xã Ba Vì", "Xã Ba Vì"),
    ("ha_noi", "Phường Phương Liệt", "Phường Phương Liệt"),
    ("thanh_hoa", "phuong tinh gia", "Phường Tĩnh Gia"),
]
MISSPELT_WARDS = [
    ("ha_noi", "hoan kiam", "Phường Hoàn Kiếm"),
    ("ha_noi", "hoan kiemm", "Phường Hoàn Kiếm"),
    ("ha_noi", "cau giey", "Phường Cầu Giấy"),
    ("ha_noi", "ba dihn", "Phường Ba Đình"),
    ("ho_chi_minh", "ben thamh", "Phường Bến Thành"),
]
# Well-known wards typed under a province they are not in.
FOREIGN_WARDS = [
    ("ha_noi", "sai gon"),
    ("ha_noi", "ben thanh"),      # Ho Chi Minh City
    ("ha_noi", "hai chau"),       # Da Nang
    ("ho_chi_minh", "hoan kiem"),  # Ha Noi
    ("ho_chi_minh", "ba vi"),      # Ha Noi
    ("da_nang", "hoan kiem"),
    ("da_nang", "ben thanh"),
]


@pytest.mark.parametrize(("codename", "text", "ward"), EXACT_WARDS + TYPE_WORD_WARDS)
def test_ward_by_exact_name(codename, text, ward):
    assert names(match_wards(unit(codename), text)) == [ward]


@pytest.mark.parametrize("province", PROVINCES, ids=lambda p: p.codename)
def test_every_ward_is_found_by_its_own_name(province):
    """Typed as written on a sign, with or without the type word, each ward comes
    back alone (or with the wards of the very same name in the province; the type
    word, when typed, may single it out among them)."""
    wards = list(Ward.iter_by_province(province.code))
    assert len(wards) > 20
    wrong = []
    for ward in wards:
        same = {w.code for w in wards if addresses.bare(w.name) == addresses.bare(ward.name)}
        kind = next(k for k in WARD_TYPES if ward.name.startswith(k))
        for typed in (ward.name, ward.name.removeprefix(kind)):
            found = match_wards(province, typed)
            codes = {w.code for w in found}
            if ward.code not in codes or not codes <= same or len(found) != len(codes):
                wrong.append((typed, names(found)))
    assert not wrong


@pytest.mark.parametrize(("codename", "prefix", "limit"), [
    ("ha_noi", "hoan", 4), ("ha_noi", "ba", 4), ("ha_noi", "phu", 4), ("ha_noi", "phu", 2),
    ("ho_chi_minh", "tan", 4), ("ho_chi_minh", "binh", 3), ("da_nang", "hoa", 4),
])
def test_ward_prefix_gives_candidates(codename, prefix, limit):
    found = match_wards(unit(codename), prefix, limit)
    assert 2 <= len(found) <= limit
    assert all(addresses.bare(w.name).startswith(prefix) for w in found)
    assert len(set(found)) == len(found)


@pytest.mark.parametrize(("codename", "text", "ward"), MISSPELT_WARDS)
def test_ward_misspelling_finds_the_intended_ward(codename, text, ward):
    found = match_wards(unit(codename), text)
    assert found and found[0].name == ward


@pytest.mark.parametrize(("codename", "text"), FOREIGN_WARDS)
def test_ward_of_another_province_is_not_found(codename, text):
    assert names(match_wards(unit(codename), text)) == []


@pytest.mark.parametrize("text", ["", "   ", ".,", "?"])
def test_ward_empty_text(text):
    assert match_wards(unit("ha_noi"), text) == []


def test_ward_by_code():
    assert addresses.ward_by_code(70).name == "Phường Hoàn Kiếm"
