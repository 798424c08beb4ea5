"""The TwiML answer, written as text for speed, is byte for byte what the Twilio
library's MessagingResponse writes, whatever the texts carry."""

import pytest
from twilio.twiml.messaging_response import MessagingResponse

from gateway.sms.twilio import twiml


def library(texts: tuple[str, ...]) -> str:
    response = MessagingResponse()
    if texts:
        response.message("\n".join(texts))
    return str(response)


@pytest.mark.parametrize("texts", [
    (),
    ("Da khai bao. Ma: AB12CD34",),
    ("Ban dong y? <1> Dong y & <2> Khong", 'He said "yes" and \'no\''),
    ("Tiếng Việt có dấu", "emoji 🙂", "tab\there", "line\nbreak", "]]> <!-- -->"),
    ("",),
])
def test_twiml_is_the_librarys(texts):
    assert twiml(texts) == library(texts)
