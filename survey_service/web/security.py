"""Security headers on every response, error pages included.

A ``before_send`` hook rather than a route hook, so 404s from the router,
405s and 500s get the same headers as ordinary pages.
"""

from __future__ import annotations

from litestar.types import Message, Scope

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

#: The API documentation page only: Swagger UI adds <style> elements as it draws.
#: Scripts stay 'self' there too, and the page shows no patient data.
API_DOCS_POLICY = CONTENT_SECURITY_POLICY.replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"strict-transport-security", b"max-age=31536000; includeSubDomains"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
)


async def add_security_headers(message: Message, scope: Scope) -> None:
    """Litestar ``before_send`` hook: runs for every response the app sends."""
    if message["type"] != "http.response.start":
        return
    headers = list(message.get("headers", []))
    path = scope.get("path", "")
    if path in ("/schema", "/schema/", "/schema/swagger"):
        headers.append((b"content-security-policy", API_DOCS_POLICY.encode()))
    present = {name.lower() for name, _ in headers}
    headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
    if path.startswith(("/s/", "/p/")) and b"cache-control" not in present:
        # Survey links carry a secret and a patient's answers: never cache.
        headers.append((b"cache-control", b"no-store"))
    message["headers"] = headers
