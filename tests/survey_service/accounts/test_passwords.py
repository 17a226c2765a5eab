"""The password policy and the argon2id parameters actually used."""

from __future__ import annotations

import re

import pytest

from survey_service.accounts.passwords import (
    WeakPassword,
    check_password,
    hash_password,
    password_problem,
    verify_password,
)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("", "empty"),
        ("Short1!", "shorter than 12"),
        ("alllowercaseletters", "one kind of character"),
        ("123456789012345", "one kind of character"),
        ("aA1aA1aA1aA1aA1", "too few different"),
        ("Anna.Jensen@Example.dk", "is the email"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password: str, reason: str) -> None:
    assert reason in (password_problem(password, "anna.jensen@example.dk") or "")
    with pytest.raises(WeakPassword) as caught:
        check_password(password, "anna.jensen@example.dk")
    assert reason in caught.value.detail


def test_a_reasonable_password_is_accepted() -> None:
    assert password_problem("correct horse battery 7", "anna@example.dk") is None


def test_hash_is_argon2id_with_at_least_19_mib_and_two_passes() -> None:
    encoded = hash_password("correct horse battery 7")
    match = re.match(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$", encoded)
    assert match, encoded
    memory_kib, passes, _lanes = (int(g) for g in match.groups())
    assert memory_kib >= 19 * 1024
    assert passes >= 2
    assert "correct horse" not in encoded


def test_verify() -> None:
    encoded = hash_password("correct horse battery 7")
    assert verify_password(encoded, "correct horse battery 7")
    assert not verify_password(encoded, "correct horse battery 8")
    assert not verify_password(None, "correct horse battery 7")
    assert not verify_password("not a hash", "x")
