"""Password hashing (argon2id) and the password policy.

Parameters are OWASP's minimum for argon2id (19 MiB, two passes, one lane):
slow enough that a stolen table is expensive to guess from, fast enough (tens
of milliseconds) that logging in stays instant. A hash made with older
parameters still verifies; :func:`needs_rehash` says when to store a new one.
"""

from __future__ import annotations

import argon2
from argon2.exceptions import InvalidHashError, VerificationError

from survey_service.errors import InvalidInput

__all__ = [
    "MEMORY_KIB",
    "MIN_LENGTH",
    "TIME_COST",
    "WeakPassword",
    "hash_password",
    "needs_rehash",
    "password_problem",
    "verify_password",
]

MEMORY_KIB = 19 * 1024
TIME_COST = 2
PARALLELISM = 1
MIN_LENGTH = 12

_HASHER = argon2.PasswordHasher(
    time_cost=TIME_COST,
    memory_cost=MEMORY_KIB,
    parallelism=PARALLELISM,
    type=argon2.Type.ID,
)

#: A well-formed hash of an unknown password: unknown emails are verified
#: against it, so they take as long as known ones (no account enumeration by timing).
_DUMMY_HASH = _HASHER.hash("no account has this password")


class WeakPassword(InvalidInput):
    code = "weak_password"
    default_detail = "the password is too weak"


def password_problem(password: str, email: str = "") -> str | None:
    """Why ``password`` may not be used (an English phrase), or None when it may."""
    if not password:
        return "the password is empty"
    if len(password) < MIN_LENGTH:
        return f"the password is shorter than {MIN_LENGTH} characters"
    classes = [
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ]
    if sum(classes) < 2:
        return "the password uses only one kind of character (add digits, capitals or symbols)"
    if len(set(password)) < 4:
        return "the password repeats too few different characters"
    lowered = password.lower()
    if email and (lowered == email.lower() or lowered == email.lower().split("@")[0]):
        return "the password is the email address"
    return None


def check_password(password: str, email: str = "") -> None:
    """Raise :class:`WeakPassword` with the reason unless ``password`` may be used."""
    problem = password_problem(password, email)
    if problem:
        raise WeakPassword(problem, errors={"password": "weak"})


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; None (no such account) costs a real verification."""
    try:
        return _HASHER.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _HASHER.check_needs_rehash(password_hash)
