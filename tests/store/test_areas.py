"""Areas: naming one (province by code or name, communes by code or exact name), what
lies inside one, and storing the area of a token or a user."""

from __future__ import annotations

import pytest

from gateway import runtime as runtimes
from gateway.store import areas, tokens, users
from gateway.store.areas import Area, AreaError
from gateway.store.db import transaction

TH, HAC_THANH, QUANG_PHU = 38, 14797, 16522


@pytest.mark.parametrize(("province", "communes", "expected"), [
    ("38", (), Area(TH)),
    ("Thanh Hoa", (), Area(TH)),
    ("  thanh hóa ", (), Area(TH)),
    ("Tỉnh Thanh Hóa", (), Area(TH)),
    ("HN", (), Area(1)),
    ("ha tay", (), None),                      # not a province name (nor an alias)
    ("bac giang", (), Area(24)),               # merged into Bắc Ninh on 1 July 2025
    ("38", ("14797",), Area(TH, frozenset({HAC_THANH}))),
    ("thanh hoa", ("Hac Thanh", " phuong quang phu "),
     Area(TH, frozenset({HAC_THANH, QUANG_PHU}))),
    ("38", ("", "  "), Area(TH)),              # blank communes are no communes
])
def test_parse_names_an_area(province, communes, expected):
    if expected is None:
        with pytest.raises(AreaError) as refused:
            areas.parse(province, communes)
        assert refused.value.field == "province" and "ha tay" in str(refused.value)
    else:
        assert areas.parse(province, communes) == expected


@pytest.mark.parametrize(("province", "communes", "field", "says"), [
    ("39", (), "province", "not the official code of a province"),
    ("", (), "province", "no province is called"),
    ("Atlantis", (), "province", "no province is called 'Atlantis'"),
    ("38", ("70",), "commune", "70 is not the code of a commune of Thanh Hóa"),  # Ha Noi's
    ("38", ("Hoan Kiem",), "commune", "Thanh Hóa has no commune called 'Hoan Kiem'"),
    ("38", ("Hac Than",), "commune", "did you mean Phường Hạc Thành (14797)"),
    ("38", ("99999999999999999999",), "commune", "is not the code of a commune"),
])
def test_parse_refuses_with_the_reason(province, communes, field, says):
    with pytest.raises(AreaError) as refused:
        areas.parse(province, communes)
    assert refused.value.field == field and says in str(refused.value)


def test_covers_and_contains():
    province, ward = Area(TH), Area(TH, frozenset({HAC_THANH}))
    assert province.covers(TH, None) and province.covers(TH, QUANG_PHU)
    assert not province.covers(1, 70)
    assert ward.covers(TH, HAC_THANH) and not ward.covers(TH, QUANG_PHU)
    assert not ward.covers(TH, None)
    assert province.contains(ward) and province.contains(province)
    assert not ward.contains(province) and not province.contains(None)
    assert not province.contains(Area(1))
    assert ward.describe() == "Thanh Hóa: Phường Hạc Thành"


def test_areas_of_tokens_and_users_are_stored_and_replaced(app):
    sessions = runtimes.of(app).sessions
    with transaction(sessions) as session:
        token, _ = tokens.create(session, "thanh-hoa")
        manager = users.create(session, username="mgr", role="manager", phone="+84911111111")
        areas.assign(session, Area(TH, frozenset({HAC_THANH, QUANG_PHU})), token_id=token.id)
        areas.assign(session, Area(TH), user_id=manager.id)
        ids = token.id, manager.id
    with transaction(sessions) as session:
        assert areas.of(session, token_id=ids[0]) == Area(TH, frozenset({HAC_THANH,
                                                                          QUANG_PHU}))
        assert areas.of(session, user_id=ids[1]) == Area(TH)
        assert areas.of_users(session, [ids[1], 999]) == {ids[1]: Area(TH)}
        areas.assign(session, Area(1), token_id=ids[0])
        areas.assign(session, None, user_id=ids[1])
    with sessions() as session:
        assert areas.of(session, token_id=ids[0]) == Area(1)
        assert areas.of(session, user_id=ids[1]) is None
        assert areas.of_tokens(session, [ids[0]]) == {ids[0]: Area(1)}
    with pytest.raises(ValueError, match="exactly one"):
        areas.assign(session, Area(1), token_id=1, user_id=1)
