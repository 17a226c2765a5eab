"""Phone numbers: real parsing, masking for logs, keyed and slow hashes."""

from __future__ import annotations

import base64
import dataclasses
import re
import time

import pytest

from survey_service.distribution import phones
from survey_service.distribution.phones import (
    PhoneError,
    dedup_key,
    legacy_phone_key,
    mask_phone,
    msisdn,
    normalise_phone,
    opt_out_key,
    phone_digest,
)
from survey_service.settings import load_settings

HASH_KEY_A = "a" * 32
HASH_KEY_B = "b" * 32


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


def test_masking_shows_no_digit_of_the_number():
    for number in ("+4520123456", "+447911123456"):
        assert not re.search(r"\d", mask_phone(number))
    assert mask_phone(None) == "(erased)"


def _settings(secret: str = "secret-a", hash_key: str = HASH_KEY_A):
    return dataclasses.replace(load_settings(), secret_key=secret, phone_hash_key=hash_key)


def test_keys_need_phone_hash_key_not_just_secret_key():
    digest = phone_digest("+4520123456", _settings())
    assert digest == phone_digest("+4520123456", _settings())
    # Same SECRET_KEY, another PHONE_HASH_KEY: nothing in common.
    assert digest != phone_digest("+4520123456", _settings(hash_key=HASH_KEY_B))
    assert digest != phone_digest("+4520123456", _settings(secret="secret-b"))
    assert digest != phone_digest("+4520123457", _settings())
    # What a dump plus SECRET_KEY allows an attacker to compute matches nothing stored.
    h0 = legacy_phone_key("+4520123456", "secret-a")
    assert opt_out_key(digest) != h0 and dedup_key(digest, "P1") != h0
    # Opt-out key: the number alone; duplicate key: number and practice.
    assert dedup_key(digest, "P1") != dedup_key(digest, "P2")
    assert opt_out_key(digest) not in (dedup_key(digest, "P1"), dedup_key(digest, "P2"))
    assert all(len(k) == 64 and "20123456" not in k for k in (opt_out_key(digest), h0))


def test_the_digest_is_argon2id_at_the_stated_cost(monkeypatch):
    """docs/anonymity.md states the brute-force bound from these parameters."""
    assert (phones.ARGON2_TIME_COST, phones.ARGON2_MEMORY_KIB, phones.ARGON2_PARALLELISM) == (
        2,
        19456,
        1,
    )
    calls = []
    real = phones.hash_secret_raw

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(phones, "hash_secret_raw", spy)
    started = time.perf_counter()
    phone_digest("+4520123456", _settings())
    elapsed = time.perf_counter() - started
    [call] = calls
    assert call["type"] is phones.Type.ID and call["memory_cost"] == 19456
    # A loose floor, not a benchmark: a fast (unkeyed or unslowed) hash takes
    # microseconds; one Argon2id at 19 MiB takes milliseconds on any machine.
    assert elapsed > 0.002


def test_generated_keys_are_kept_in_the_data_directory(tmp_path):
    from survey_service.distribution.keys import PHONE_KEYS_FILE, phone_keys

    settings = dataclasses.replace(
        load_settings(), data_dir=tmp_path, phone_keys="", phone_hash_key=""
    )
    keys = phone_keys(settings)
    assert len(keys.ring[keys.primary]) == 32 and len(keys.hash_key) >= 32
    assert (tmp_path / PHONE_KEYS_FILE).stat().st_mode & 0o777 == 0o600
    again = phone_keys(dataclasses.replace(settings, token_days=3))
    assert again.ring == keys.ring and again.hash_key == keys.hash_key
    new, old = (base64.b64encode(k).decode() for k in (bytes(32), bytes(range(32))))
    configured = f"k9:{new},k1:{old}"
    rotated = phone_keys(dataclasses.replace(settings, phone_keys=configured))
    assert rotated.primary == "k9" and set(rotated.ring) == {"k9", "k1"}


def test_msisdn_is_digits_with_country_code():
    assert msisdn("+4520123456") == 4520123456
