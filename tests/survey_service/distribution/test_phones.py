"""Phone numbers: real parsing, masking for logs, keyed hashes."""

from __future__ import annotations

import pytest

from survey_service.distribution.phones import (
    PhoneError,
    mask_phone,
    msisdn,
    normalise_phone,
    phone_key,
)


@pytest.mark.parametrize(
    "raw",
    [
        "+4520123456",
        "+45 20 12 34 56",
        "20123456",
        "20 12 34 56",
        "0045 2012 3456",
        "4520123456",
        " +45-20-12-34-56 ",
    ],
)
def test_danish_numbers_in_any_common_form(raw):
    assert normalise_phone(raw) == "+4520123456"


def test_foreign_numbers_keep_their_country():
    assert normalise_phone("+46 70 123 45 67") == "+46701234567"
    assert normalise_phone("+44 7911 123456") == "+447911123456"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "missing"),
        ("12345", "not a valid phone number"),
        ("abc", "not a valid phone number"),
        ("+45 1234 5678 9999", "not a valid phone number"),
        ("+44 20 7946 0958", "not a mobile number"),  # a London landline
        ("9" * 40, "too long to be a phone number"),
    ],
)
def test_invalid_numbers_are_refused_with_a_reason(raw, reason):
    with pytest.raises(PhoneError) as caught:
        normalise_phone(raw)
    assert str(caught.value) == reason
    assert "1234" not in str(caught.value)  # reasons never echo the number


def test_non_strings_are_missing():
    with pytest.raises(PhoneError, match="missing"):
        normalise_phone(None)  # type: ignore[arg-type]


def test_masking_keeps_country_and_last_four_only():
    assert mask_phone("+4520123456") == "+45 ****3456"
    assert mask_phone("+447911123456") == "+44 ****3456"
    assert mask_phone(None) == "(erased)"


def test_keyed_hash_needs_the_secret():
    a = phone_key("+4520123456", "secret-a")
    assert a == phone_key("+4520123456", "secret-a")
    assert a != phone_key("+4520123456", "secret-b")
    assert a != phone_key("+4520123457", "secret-a")
    assert "20123456" not in a and len(a) == 64


def test_msisdn_is_digits_with_country_code():
    assert msisdn("+4520123456") == 4520123456
