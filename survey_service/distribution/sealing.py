"""Keeping a survey token until its SMS is sent, without storing it readable.

The invitation table holds only sha256(token). An SMS may leave minutes or
days (reminder) after the visit is reported, so the worker needs the token
itself then. It is kept *sealed*: AES-256-GCM under a key derived from
``SECRET_KEY``, bound to its invitation id (associated data), so a database
dump alone yields no usable link, and a sealed token copied onto another
invitation does not open. The sealed copy is erased with the phone number after
the last message. Phone numbers are sealed the same way under keys of their
own (:func:`seal_phone`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from survey_service.distribution.keys import PhoneKeys

_NONCE_BYTES = 12


class SealError(ValueError):
    """A sealed token cannot be opened (wrong key, or the value was altered)."""


def _key(secret: str) -> bytes:
    # Derived rather than the secret itself, so the same SECRET_KEY can serve
    # the other keyed hashes without the uses ever sharing a key.
    return hmac.new(secret.encode(), b"survey-token-seal-v1", hashlib.sha256).digest()


def seal_token(token: str, invitation_id: int, secret: str) -> str:
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(_key(secret)).encrypt(nonce, token.encode(), _aad(invitation_id))
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal_token(sealed: str, invitation_id: int, secret: str | Sequence[str]) -> str:
    """The token, opened with ``secret`` or, during a rotation, any of several keys.

    ``secret`` may be :attr:`Settings.secret_keys` (the current key first,
    then SECRET_KEY_PREVIOUS): links sealed before SECRET_KEY changed still go out.
    """
    secrets = (secret,) if isinstance(secret, str) else tuple(secret)
    try:
        raw = base64.urlsafe_b64decode(sealed.encode())
    except ValueError as exc:
        raise SealError("sealed token is not base64") from exc
    nonce, body = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
    for key in secrets:
        try:
            return AESGCM(_key(key)).decrypt(nonce, body, _aad(invitation_id)).decode()
        except (InvalidTag, ValueError):
            continue
    raise SealError("sealed token does not open with SECRET_KEY (nor SECRET_KEY_PREVIOUS)")


def _aad(invitation_id: int) -> bytes:
    return f"invitation:{invitation_id}".encode()


# --- phone numbers -------------------------------------------------------------
#
# Not under SECRET_KEY like the tokens: PHONE_KEYS (keys.py) is a key ring of
# its own, so it can be rotated and handed to the SMS workers alone. A sealed
# number is ``<key id>.<base64(nonce + ciphertext)>``: it names the key that
# opens it, and is bound to its invitation like a sealed token.


def seal_phone(e164: str, invitation_id: int, keys: PhoneKeys) -> str:
    nonce = os.urandom(_NONCE_BYTES)
    key = keys.ring[keys.primary]
    sealed = AESGCM(key).encrypt(nonce, e164.encode(), _phone_aad(invitation_id))
    return f"{keys.primary}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def open_phone(sealed: str, invitation_id: int, keys: PhoneKeys) -> str:
    key_id, _, body = sealed.partition(".")
    key = keys.ring.get(key_id)
    if key is None:
        raise SealError(f"phone number sealed with key {key_id!r}, which PHONE_KEYS lacks")
    try:
        raw = base64.urlsafe_b64decode(body.encode())
        nonce, ciphertext = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
        return AESGCM(key).decrypt(nonce, ciphertext, _phone_aad(invitation_id)).decode()
    except (InvalidTag, ValueError) as exc:
        raise SealError(f"phone number does not open with PHONE_KEYS key {key_id!r}") from exc


def sealed_with(sealed: str) -> str:
    """The id of the key a sealed number was sealed with."""
    return sealed.partition(".")[0]


def _phone_aad(invitation_id: int) -> bytes:
    return f"phone:invitation:{invitation_id}".encode()
