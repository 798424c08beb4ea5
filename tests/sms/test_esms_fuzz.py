"""Fuzzing eSMS's callbacks (`GET /sms/esms/mo`, `GET /sms/esms/status/<id>/<token>`)
past their authentication: MO queries correctly signed over hostile values (NUL and
other control characters, huge numbers, odd phones), with fields dropped, repeated or
renamed, and raw bytes that are not UTF-8; delivery reports at a valid URL with hostile
fields. Every answer must be below 500 and nothing may log a traceback."""

from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.config import Config
from gateway.sms import esms
from tests.conftest import AGGREGATOR, DATA_KEY, SECRET
from tests.esms_standin import CPID, PRIVATE_KEY, EsmsStandIn
from tests.fuzzing import NUMBER, PHONE, TEXT, VALUE, fuzz_settings, watch  # noqa: F401

EXAMPLES = 60  # each a batch of up to 8 requests: about 300 in all
CALLBACK_SECRET = "fuzz-" + "y" * 20


@pytest.fixture
def config(pg_url: str, redis_url: str) -> Config:
    """The callbacks configured (eSMS's keys point nowhere: nothing is sent here)."""
    return Config(database_url=pg_url, redis_url=redis_url, secret_key=SECRET,
                  data_encryption_key=DATA_KEY,
                  esms_cpid=CPID, esms_private_key=PRIVATE_KEY,
                  esms_callback_secret=CALLBACK_SECRET, public_base_url="http://localhost",
                  ussd_allowed_networks=AGGREGATOR)


@st.composite
def mo_query(draw) -> str:
    """A signed MO query with hostile values (signed after they are chosen)."""
    fields = {"sender": draw(st.one_of(st.just("84912345678"), PHONE)),
              "content": draw(st.one_of(st.just("HD"), TEXT)),
              "serviceNumber": draw(st.one_of(st.just("8079"), VALUE)),
              "smsid": draw(st.one_of(st.uuids().map(str), TEXT)),
              "receiverTime": draw(st.one_of(st.just("20261202080000"), NUMBER))}
    fields["sign"] = EsmsStandIn.sign(CPID, fields["smsid"], fields["content"],
                                      fields["receiverTime"])
    pairs = [("cpid", CPID), *fields.items()]
    action = draw(st.sampled_from(["none", "drop", "repeat", "rename", "bytes"]))
    index = draw(st.integers(0, len(pairs) - 1))
    if action == "drop":
        pairs.pop(index)
    elif action == "repeat":
        pairs.append((pairs[index][0], draw(VALUE)))
    elif action == "rename":
        pairs[index] = (draw(TEXT), pairs[index][1])
    query = urlencode(pairs)
    if action == "bytes":
        query += "&" + draw(st.sampled_from(["content=%FF%FE", "x=%00", "%C0%80=1", "=",
                                             "&&", "x=%"]))
    return query


@st.composite
def receipt_path(draw) -> str:
    """A report at a message's valid URL, with hostile fields."""
    message_id = draw(st.integers(1, 2**31 - 1))
    token = esms.callback_token(CALLBACK_SECRET, message_id)
    pairs = {"SMSID": draw(st.one_of(st.just("abc"), TEXT)),
             "SendStatus": draw(st.one_of(st.sampled_from(["1", "2", "4", "5", "7"]), NUMBER)),
             "SendSuccess": draw(st.one_of(st.just("1"), NUMBER)),
             "SendFailed": draw(st.one_of(st.just("0"), NUMBER))}
    if draw(st.booleans()):
        pairs.pop(draw(st.sampled_from(sorted(pairs))))
    return f"{esms.RECEIPT_PATH}/{message_id}/{quote(token)}?{urlencode(pairs)}"


@given(batch=st.lists(st.one_of(mo_query().map(lambda q: f"{esms.MO_PATH}?{q}"),
                                receipt_path()), min_size=1, max_size=8))
@fuzz_settings(EXAMPLES)
def test_hostile_esms_callbacks_get_no_server_error(client, watch, batch):  # noqa: F811
    for path in batch:
        response = client.get(path)
        watch.check(response, f"GET {path}")
    assert watch.requests > 0
