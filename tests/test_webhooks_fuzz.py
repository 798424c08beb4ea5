"""Fuzzing the provider webhooks (`/sms/twilio`, `/sms/twilio/status`, `/ussd`): forms
built from a valid request with fields dropped, repeated or replaced by hostile values
(NUL and other control characters, huge, negative and non-numeric numbers, odd
spellings of phones), bodies in other encodings or not forms at all, and odd `m=`
references. Every answer must be below 500 and nothing may log a traceback."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzzing import NUMBER, PHONE, TEXT, VALUE, fuzz_settings, watch  # noqa: F401

EXAMPLES = 500  # each sends a batch of up to 16 requests: about 4,300 in all
VALID = {
    "/sms/twilio": {"From": "+84912345678", "To": "+84240000", "Body": "HD",
                    "MessageSid": "SM0123456789abcdef0123456789abcdef"},
    "/sms/twilio/status": {"MessageSid": "SM0123456789abcdef0123456789abcdef",
                           "MessageStatus": "delivered", "ErrorCode": ""},
    "/ussd": {"sessionId": "ATUid_1", "serviceCode": "*1022#", "phoneNumber": "+84912345678",
              "networkCode": "45204", "text": ""},
}
NUMERIC = {"ErrorCode", "networkCode", "text"}


@st.composite
def webhook_request(draw) -> tuple[str, bytes, str]:
    """(path with query, body, content type) of one hostile webhook request."""
    path = draw(st.sampled_from(sorted(VALID)))
    pairs = list(VALID[path].items())
    for _ in range(draw(st.integers(0, 3))):
        index = draw(st.integers(0, len(pairs) - 1))
        name, _value = pairs[index]
        action = draw(st.sampled_from(["replace", "drop", "repeat", "rename"]))
        if action == "replace":
            strategy = PHONE if name in ("From", "phoneNumber") else \
                NUMBER if name in NUMERIC else VALUE
            pairs[index] = (name, draw(strategy))
        elif action == "drop":
            pairs.pop(index)
            if not pairs:
                break
        elif action == "repeat":
            pairs.append((name, draw(VALUE)))
        else:
            pairs[index] = (draw(TEXT), pairs[index][1])
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "latin-1", "utf-16",
                                     "raw", "percent"]))
    if encoding == "raw":
        body = draw(st.binary(max_size=60))
    elif encoding == "percent":  # escapes that decode to invalid UTF-8 or NUL
        body = (urlencode(pairs) + "&" + draw(st.sampled_from(
            ["Body=%FF%FE", "text=%00", "%00=1", "From=%C0%80", "x=%", "=", "&&"]))).encode()
    else:
        body = urlencode(pairs).encode(encoding, errors="replace")
    query = ""
    if path == "/sms/twilio/status" and draw(st.booleans()):
        query = "?m=" + quote(draw(NUMBER))
    content_type = draw(st.sampled_from(
        ["application/x-www-form-urlencoded"] * 6 + ["text/plain", "application/json",
                                                     "multipart/form-data", ""]))
    return path + query, body, content_type


@given(batch=st.lists(webhook_request(), min_size=1, max_size=16))
@fuzz_settings(EXAMPLES)
def test_hostile_webhook_requests_get_no_server_error(client, watch, batch):  # noqa: F811
    for path, body, content_type in batch:
        response = client.post(path, data=body, content_type=content_type)
        watch.check(response, f"POST {path} ({content_type}) {body!r}")
    assert watch.requests > 0
