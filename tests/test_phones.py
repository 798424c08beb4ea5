"""Phone numbers: every common spelling to E.164, refusals, and masking for logs."""

import pytest

from gateway.phones import InvalidPhone, mask, mask_in_text, normalise


@pytest.mark.parametrize("spelling", [
    "0912345678",
    "84912345678",
    "+84912345678",
    "+84 91 234 5678",
    "0912.345.678",
    "(+84) 912-345-678",
    "0912 345 678",
    "0912/345/678",
    " 0912345678 ",
    "0084912345678",     # international prefix
    "+84 0912345678",    # country code and trunk zero together
    "912345678",         # trunk zero left off
])
def test_spellings_of_one_mobile_number(spelling):
    assert normalise(spelling) == "+84912345678"


@pytest.mark.parametrize(("spelling", "e164"), [
    ("0861234567", "+84861234567"),      # Viettel 086
    ("0321234567", "+84321234567"),      # Viettel 032 (renumbered 0162)
    ("+447911123456", "+447911123456"),  # a UK mobile
    ("+1 415 555 2671", "+14155552671"),  # US: fixed line or mobile
])
def test_other_mobile_numbers(spelling, e164):
    assert normalise(spelling) == e164


@pytest.mark.parametrize(("raw", "reason"), [
    ("02438257942", "not a mobile number"),       # Hanoi landline
    ("+84 24 3825 7942", "not a mobile number"),
    ("091234567", "not a valid phone number"),    # a digit short
    ("09123456789", "not a valid phone number"),  # a digit too many
    ("0912345678901234", "not a valid phone number"),
    ("12", "not a"),
    ("0912abc345", "not a phone number"),
    ("09123abc45678", "not a phone number"),      # letters are not dropped
    ("hello", "not a phone number"),
    ("0912+345678", "not a phone number"),
    ("", "empty"),
    ("   ", "empty"),
    (None, "empty"),
])
def test_refused(raw, reason):
    with pytest.raises(InvalidPhone, match=reason):
        normalise(raw)


def test_refusal_does_not_repeat_the_number():
    with pytest.raises(InvalidPhone) as caught:
        normalise("02438257942")
    assert "02438257942" not in str(caught.value)


@pytest.mark.parametrize(("phone", "masked"), [
    ("+84912345678", "+849*****678"),
    ("0912345678", "0912***678"),
    ("123456", "******"),
    ("", ""),
])
def test_mask_hides_the_middle(phone, masked):
    assert mask(phone) == masked


@pytest.mark.parametrize(("text", "masked"), [
    ("from +84912345678: KB", "from +849*****678: KB"),
    ("call 0912345678 now", "call +849*****678 now"),
    ("to 0912.345.678 and +84 98 765 4321.", "to +849*****678 and +849*****321."),
    ("cccd 001234567890", "cccd 0012*****890"),        # any long number is masked
    ("venue 1234567", "venue 1234567"),                # short codes stay readable
    ("at 2026-01-15 10:30:00", "at 2026-01-15 10:30:00"),  # so do timestamps
    ("sid SM0123456789abcdef", "sid SM0123456789abcdef"),  # and identifiers
    ("no numbers here", "no numbers here"),
])
def test_mask_in_text(text, masked):
    assert mask_in_text(text) == masked


@pytest.mark.parametrize("phone", ["+84912345678", "0912345678", "12345"])
def test_masking_twice_changes_nothing(phone):
    """Callers may mask before logging; the formatter masks again."""
    assert mask(mask(phone)) == mask(phone)
    assert mask_in_text(mask_in_text(f"to {phone}")) == mask_in_text(f"to {phone}")
