"""Gzip for what patients load on slow phones, not for staff pages with secrets.

Compressing a page that holds a secret (a CSRF token) next to text an attacker
can choose lets the compressed size leak the secret (BREACH). The patient
pages reflect nothing a third party can choose: the form's own answers come
back only after a POST that carried this browser's CSRF token, and a query
string changes no text but the language. Staff pages echo query parameters
(``/login?next=...``, filters) next to their tokens, so they are sent
uncompressed; they are small and used on office connections.
"""

from __future__ import annotations

from litestar.config.compression import CompressionConfig

#: Paths that are compressed: the patient pages, thank-you and statement pages,
#: static files, the JSON API and its docs. Everything else is excluded, so a
#: new staff page is safe by default.
COMPRESSED = ("s", "p", "thanks", "accessibility", "static", "api", "schema")

#: Below about a kilobyte gzip saves little and costs a round of CPU per response.
MINIMUM_SIZE = 1024


def compression() -> CompressionConfig:
    allowed = "|".join(COMPRESSED)
    return CompressionConfig(
        backend="gzip",
        minimum_size=MINIMUM_SIZE,
        # Level 6 is gzip's usual trade-off; 9 costs far more CPU for a few bytes.
        gzip_compress_level=6,
        # Excluded: any path that is not "/" or below one of COMPRESSED.
        exclude=rf"^/(?!$|(?:{allowed})(?:/|$))",
    )
