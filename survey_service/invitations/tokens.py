"""Survey-link tokens: random, short enough for one SMS, stored only as a hash.

A token is 15 random bytes (120 bits) in URL-safe base64: 20 characters, so
``https://host/s/<token>`` stays short. At 120 bits guessing is hopeless, which
is why a fast sha256 (not a slow password hash) is the right stored form.
"""

from __future__ import annotations

import hashlib
import re
import secrets

TOKEN_BYTES = 15
_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20}$")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    """Cheap shape check, so junk never reaches the database."""
    return bool(_SHAPE.match(token))
