"""Phone numbers: parsing with libphonenumber, masking, and keyed hashes.

A number is stored in E.164 form only while messages to it are pending; what
may stay afterwards is :func:`phone_key`, an HMAC under the installation's
secret, which recognises a returning patient (one invitation per window) and
an opted-out number without keeping the number itself.
"""

from __future__ import annotations

import hashlib
import hmac
import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

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
    """``+45 ****1234``: enough to tell messages apart in a log, not to call anyone."""
    if not e164:
        return "(erased)"
    digits = e164.lstrip("+")
    try:
        country = str(phonenumbers.parse(e164).country_code)
    except NumberParseException:
        country = ""
    if country and digits.startswith(country):
        return f"+{country} ****{digits[-4:]}"
    return f"****{digits[-4:]}"


def phone_key(e164: str, secret: str) -> str:
    """HMAC-SHA256 of the number under the installation's secret (hex).

    Keyed, not a plain hash: there are only ~10^8 Danish numbers, so an
    unkeyed hash would be reversed by trying them all.
    """
    return hmac.new(secret.encode(), b"phone:" + e164.encode(), hashlib.sha256).hexdigest()


def msisdn(e164: str) -> int:
    """The number as GatewayAPI wants it: digits with country code, no plus."""
    return int(e164.lstrip("+"))
