"""Phone numbers: parsing with libphonenumber, and keyed, slow hashes of them.

A number is stored only encrypted (sealing.seal_phone) and only while messages
to it are pending. What may stay afterwards is derived from
:func:`phone_digest`: :func:`opt_out_key` (the opt-out list) and
:func:`dedup_key` (one invitation per patient, practice and window).

There are only about 10^8 Danish mobile numbers, so any hash of a number can
be reversed by trying them all unless trying is expensive. The digest is::

    h0     = HMAC-SHA256(SECRET_KEY, "phone:" + E.164)      (the old phone_key)
    seed   = HMAC-SHA256(PHONE_HASH_KEY, h0)
    digest = Argon2id(seed, fixed salt, t=2, m=19 MiB, p=1)  (25 ms on one core)

A dump plus SECRET_KEY is not enough (PHONE_HASH_KEY is needed, 256 bits of
it); with every key, one pass over 10^8 numbers costs 10^8 Argon2id
evaluations, about 30 core-days (docs/anonymity.md). ``h0`` comes first so
that hashes stored before this construction (bare ``h0``) can be carried over
without the numbers they came from (see legacy.py).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re

import phonenumbers
from argon2.low_level import Type, hash_secret_raw
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from survey_service.distribution.keys import phone_keys
from survey_service.settings import Settings

#: Numbers without a country code are read as Danish.
DEFAULT_REGION = "DK"

#: Types that can receive an SMS. Danish numbers are all FIXED_LINE_OR_MOBILE in
#: libphonenumber's data (the ranges are not split), so that type must pass.
_TEXTABLE = {
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,
    PhoneNumberType.PERSONAL_NUMBER,
}


class PhoneError(ValueError):
    """A phone number that cannot receive an invitation; the message says why."""


def normalise_phone(raw: str) -> str:
    """The E.164 form (``+4520123456``) of a number as a practice system sends it.

    Accepts ``+45 20 12 34 56``, ``20123456``, ``0045 20123456`` and the bare
    ``4520123456`` that many Danish systems use (the GatewayAPI MSISDN form).
    Raises :class:`PhoneError` with a reason that contains no digits of the number.
    """
    if not isinstance(raw, str) or not raw.strip():
        raise PhoneError("missing")
    text = raw.strip()
    if len(text) > 32:
        raise PhoneError("too long to be a phone number")
    number = _parse(text)
    if number is None and re.fullmatch(r"45\d{8}", text):
        number = _parse("+" + text)
    if number is None or not phonenumbers.is_valid_number(number):
        raise PhoneError("not a valid phone number")
    if phonenumbers.number_type(number) not in _TEXTABLE:
        raise PhoneError("not a mobile number")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _parse(text: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def is_danish(e164: str) -> bool:
    return e164.startswith("+45")


def mask_phone(e164: str | None) -> str:
    """A stand-in for a number in messages: no digit of it, not even the last four.

    Four digits plus the time of a log line and the practice narrow a patient
    down a long way; the message id tells messages apart instead.
    """
    return "(erased)" if not e164 else "********"


#: Argon2id cost of one digest: OWASP's recommended minimum for Argon2id. It is
#: part of the construction, so changing it forgets every opt-out.
ARGON2_TIME_COST = 2
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_PARALLELISM = 1
#: Fixed on purpose: a stored hash must be found again from the number alone,
#: so there is no per-row salt; the secret key plays the salt's part.
_SALT = b"survey-phone-v1\x00"


def legacy_phone_key(e164: str, secret: str) -> str:
    """HMAC-SHA256 of the number under SECRET_KEY (hex): the first step of the digest.

    Stored on its own before PHONE_HASH_KEY existed; two core-minutes of
    trying every number reverse it, so it is never stored any more.
    """
    return hmac.new(secret.encode(), b"phone:" + e164.encode(), hashlib.sha256).hexdigest()


def digest_from_legacy(legacy_key: str, settings: Settings) -> bytes:
    """The phone digest from :func:`legacy_phone_key`'s value (the slow part)."""
    seed = hmac.new(
        phone_keys(settings).hash_key, bytes.fromhex(legacy_key), hashlib.sha256
    ).digest()
    return hash_secret_raw(
        seed,
        _SALT,
        time_cost=ARGON2_TIME_COST,
        memory_cost=ARGON2_MEMORY_KIB,
        parallelism=ARGON2_PARALLELISM,
        hash_len=32,
        type=Type.ID,
    )


def phone_digest(e164: str, settings: Settings) -> bytes:
    """The slow keyed digest of a number; never stored, only keys derived from it."""
    return digest_from_legacy(legacy_phone_key(e164, settings.secret_key), settings)


async def phone_digest_async(e164: str, settings: Settings) -> bytes:
    """:func:`phone_digest` off the event loop (Argon2 releases the GIL)."""
    return await asyncio.to_thread(phone_digest, e164, settings)


def opt_out_key(digest: bytes) -> str:
    """The number's entry on the opt-out list (hex), the same for every practice."""
    return hmac.new(digest, b"opt-out", hashlib.sha256).hexdigest()


def dedup_key(digest: bytes, practice_code: str) -> str:
    """The number's duplicate-window key at one practice (hex).

    Per practice, so the keys of one patient at two practices do not match:
    the table cannot say that two practices saw the same person.
    """
    return hmac.new(digest, b"dedup:" + practice_code.encode(), hashlib.sha256).hexdigest()


def msisdn(e164: str) -> int:
    """The number as GatewayAPI wants it: digits with country code, no plus."""
    return int(e164.lstrip("+"))
