"""Half-done answers kept on the patient's own phone, never on the server.

A patient who presses "Save and continue later" gets the answers so far back
as a cookie: AES-256-GCM under a key derived from ``SECRET_KEY`` with HKDF (its
own ``info``, so it is no other key of the service), the link's path as
associated data (a cookie copied to another link does not open), HttpOnly,
SameSite=Strict, Secure on HTTPS, ``Path=/s/<token>`` and ``Max-Age`` the link's
remaining life. Opening the link again fills the answers in. The server keeps
nothing: not the answers, not that anything was saved (docs/anonymity.md).

A split questionnaire's module rides along under ``MODULE_KEY`` (not an item
id: ids cannot start with "_"), so a link whose module was drawn on the page
comes back to the same questions.

Only an explicit press writes the cookie: the patient chooses to leave answers
on the phone. A cookie that does not open (another key, tampered, too old a
format) is ignored, and the form starts blank.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import secrets
from collections.abc import Mapping, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from litestar.datastructures import Cookie

from survey_service.settings import Settings
from survey_service.web.link_cookies import link_path, seconds_left

RESUME_COOKIE = "resume"

#: Browsers keep cookies up to about 4 KB with their attributes; stay below.
MAX_SEALED = 3600

#: Where the sealed answers keep the module the form showed.
MODULE_KEY = "_module"

_INFO = b"survey-service resume cookie v1"
_NONCE = 12


def _key(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret.encode())


def seal(secret: str, token: str, answers: Mapping[str, str]) -> str:
    """``answers`` encrypted for this link only (URL-safe, no padding)."""
    nonce = secrets.token_bytes(_NONCE)
    body = json.dumps(dict(answers), ensure_ascii=False, separators=(",", ":")).encode()
    sealed = AESGCM(_key(secret)).encrypt(nonce, body, link_path(token).encode())
    return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def unseal(secrets_: Sequence[str], token: str, value: str) -> dict[str, str] | None:
    """The saved answers, or None for a cookie that does not open here.

    ``secrets_`` is SECRET_KEY and the earlier ones still accepted, so a key
    rotation does not lose what patients saved.
    """
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None
    answers = None
    for secret in secrets_:
        try:
            body = AESGCM(_key(secret)).decrypt(
                raw[:_NONCE], raw[_NONCE:], link_path(token).encode()
            )
            answers = json.loads(body)
            break
        except (ValueError, InvalidTag):
            continue
    if not isinstance(answers, dict):
        return None
    return {k: v for k, v in answers.items() if isinstance(k, str) and isinstance(v, str)}


def saved_module(values: dict[str, str]) -> str | None:
    """Take the module out of unsealed ``values`` (None: the cookie names none)."""
    return values.pop(MODULE_KEY, None)


def fitting(
    secret: str, token: str, answers: Mapping[str, str], free_text: set[str], module: str = ""
) -> tuple[str, bool]:
    """The sealed value, and whether every answer fitted in a cookie.

    Written comments are left out, longest first, until the rest fits: choices
    are what takes time to redo, and a comment can be long.
    """
    kept = {k: v for k, v in answers.items() if v.strip()}
    if module:
        kept[MODULE_KEY] = module
    value = seal(secret, token, kept)
    complete = True
    for item_id in sorted(free_text & set(kept), key=lambda k: -len(kept[k])):
        if len(value) <= MAX_SEALED:
            break
        del kept[item_id]
        complete = False
        value = seal(secret, token, kept)
    return value, complete and len(value) <= MAX_SEALED


def resume_cookie(
    value: str, token: str, expires_at: dt.datetime | None, settings: Settings, now: dt.datetime
) -> Cookie:
    return Cookie(
        key=RESUME_COOKIE,
        value=value,
        path=link_path(token),
        max_age=seconds_left(expires_at, now),
        secure=settings.public_base_url.startswith("https://"),
        httponly=True,
        samesite="strict",
    )


def forget_cookie(token: str, settings: Settings) -> Cookie:
    """Deletes the saved answers once they are sent (or are no longer wanted)."""
    return Cookie(
        key=RESUME_COOKIE,
        value="",
        path=link_path(token),
        max_age=0,
        secure=settings.public_base_url.startswith("https://"),
        httponly=True,
        samesite="strict",
    )
