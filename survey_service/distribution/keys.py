"""The keys that protect phone numbers: where they come from, never the database.

Two kinds, both separate from SECRET_KEY and from each other:

* ``PHONE_KEYS``: AES-256 keys that encrypt numbers at rest, ``id:base64key``
  comma-separated. The first encrypts; every one decrypts, and a ciphertext
  names its key id, so rotating is "put a new key first, drop the old one once
  nothing uses it" (numbers live at most a link's life; the sweep also
  re-encrypts what an old key still holds).
* ``PHONE_HASH_KEY``: the key of the slow keyed hashes (duplicate window,
  opt-out list). It cannot be rotated: the numbers it would need are gone.

Empty settings (the demo, one host) fall back to keys generated once in the
data directory, mode 600, next to SECRET_KEY's ``secret_key``. Several hosts
must be given the same keys explicitly.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass

from survey_service.settings import Settings, kept_secret

PHONE_KEYS_FILE = "phone_keys"
PHONE_HASH_KEY_FILE = "phone_hash_key"


@dataclass(frozen=True)
class PhoneKeys:
    """Key material for one set of settings."""

    #: id of the key that encrypts new ciphertexts
    primary: str
    #: every key that may decrypt, by id
    ring: dict[str, bytes]
    #: key of the keyed hashes (bytes of PHONE_HASH_KEY)
    hash_key: bytes


_cache: dict[tuple[str, str, str], PhoneKeys] = {}


def phone_keys(settings: Settings) -> PhoneKeys:
    """The keys ``settings`` name, or the data directory's generated ones."""
    cache_key = (settings.phone_keys, settings.phone_hash_key, str(settings.data_directory))
    found = _cache.get(cache_key)
    if found is not None:
        return found
    spec = settings.phone_keys.strip() or kept_secret(
        settings.data_directory / PHONE_KEYS_FILE,
        lambda: f"k1:{base64.b64encode(secrets.token_bytes(32)).decode()}",
    )
    hash_key = settings.phone_hash_key or kept_secret(
        settings.data_directory / PHONE_HASH_KEY_FILE, lambda: secrets.token_urlsafe(48)
    )
    ring: dict[str, bytes] = {}
    primary = ""
    for entry in (e.strip() for e in spec.split(",")):
        if not entry:
            continue
        key_id, _, encoded = entry.partition(":")
        ring[key_id] = base64.b64decode(encoded)
        primary = primary or key_id
    keys = PhoneKeys(primary=primary, ring=ring, hash_key=hash_key.encode())
    _cache[cache_key] = keys
    return keys
